import { resolve } from 'node:path'
import type { Command } from 'commander'
import { InvalidInputError } from '../../../common/errors.js'
import type { CliContext } from '../context.js'
import type { RetrieveHeader } from '../../../relay/protocol/index.js'
import { DEFAULT_CHAIN_RPC, EXIT_REFUSED } from '../defaults.js'

interface GetOpts {
  node: string, apiKey: string, key: string, purpose: string, justification?: string, out: string, chainRpc: string, custodian?: string, json?: boolean
}

export { EXIT_REFUSED }

/** Streams a Response body as Uint8Array chunks (Node's web streams are async iterable). */
async function * bodyChunks (res: Response): AsyncGenerator<Uint8Array> {
  if (res.body === null) return
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) yield chunk
}

const refusal = (h: RetrieveHeader): Record<string, unknown> => ({
  status: h.status,
  ...(h.reason !== undefined ? { reason: { code: h.reason.code, jurisdiction: h.reason.jurisdiction, policyId: h.reason.policyId, message: h.reason.message } } : {})
})

/**
 * `healthrelay record get <tokenId>`: the doctor's client. Signs a RetrieveRequest with the
 * doctor's own Ed25519 key (their key file, with the credential their node issued), posts it to
 * their node, and opens the streamed envelope itself: the custodian's signature is checked against
 * its Ed25519 key in the chain's node registry, the content against the token's commitment on
 * chain (both read through `--chain-rpc`), and the plaintext is written to a temporary file that
 * becomes `--out` only once everything checks. A refusal prints its status and reason and exits 3.
 */
export function registerRecordGet (record: Command, ctx: CliContext): void {
  record.command('get')
    .description('retrieve, verify and decrypt a record with a doctor\'s key; writes the FHIR JSON to --out')
    .argument('<tokenId>', 'the record token id (64 hex)')
    .requiredOption('--node <url>', 'the doctor\'s node API, e.g. http://127.0.0.1:8080')
    .requiredOption('--api-key <key>', 'a provider API key of that node')
    .requiredOption('--key <file>', 'the doctor key file (healthrelay keys doctor; with its credential)')
    .requiredOption('--purpose <purpose>', 'treatment | emergency | research | insurance | public-health')
    .option('--justification <text>', 'why (required by policy for some purposes, e.g. emergency)')
    .requiredOption('--out <file>', 'where to write the decrypted FHIR JSON')
    .option('--chain-rpc <url>', 'the chain RPC used to read the commitment and the custodian\'s key', DEFAULT_CHAIN_RPC)
    .option('--custodian <peerId>', 'the custodian node\'s peer id (default: the one registered node of the token\'s custodian country)')
    .option('--json', 'print the outcome as JSON')
    .addHelpText('after', '\nExit codes: 0 written; 3 refused by the custodian (status and reason on stderr, and on stdout with --json); 1 any other error (--out is then left untouched).')
    .action(async (tokenId: string, opts: GetOpts) => {
      const { readDoctorKeyFile } = await import('../../keystore/index.js')
      const { openEnvelopeToFile, readResponseFrames, signRetrieveRequest } = await import('../../../relay/protocol/index.js')
      const { callNode, hexRequestBody, nodeUrl, purposeOf, registeredPeer, requireOk, withChain } = await import('./record-common.js')
      if (!/^[0-9a-f]{64}$/.test(tokenId)) throw new InvalidInputError('<tokenId>: 32 bytes as lower-case hex')
      const base = nodeUrl(opts.node)
      const purpose = purposeOf(opts.purpose)
      const doctor = await readDoctorKeyFile(opts.key)
      if (doctor.credential === undefined) throw new InvalidInputError(`${opts.key} holds no credential: have the node issue one (healthrelay credential issue --doctor-key ${opts.key})`)
      const credential = doctor.credential.signed
      const out = resolve(opts.out)
      const { token, custodian } = await withChain(opts.chainRpc, async (chain) => {
        const t = await chain.queries.token(tokenId)
        if (t === undefined) throw new InvalidInputError(`token ${tokenId} is not on chain`)
        return { token: t, custodian: await registeredPeer(chain, t.custodian, opts.custodian, 'custodian') }
      })
      const signed = signRetrieveRequest({
        tokenId: new Uint8Array(Buffer.from(tokenId, 'hex')), purpose, custodianPeerId: custodian.peerId,
        ...(opts.justification !== undefined ? { justification: opts.justification } : {})
      }, { ed25519PrivateKey: doctor.ed25519.privateKey, credential })
      const res = await requireOk(await callNode(`${base}/v1/records/${tokenId}/retrieve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(hexRequestBody(signed.request))
      }))
      // A refusal is the first frame; read it without opening a file.
      const frames = readResponseFrames(bodyChunks(res))
      const first = await frames.next()
      if (first.done === true || first.value.kind !== 'header') throw new InvalidInputError('the node\'s answer carries no relay header')
      const header = first.value.header
      if (header.status !== 'OK') {
        await frames.return(undefined) // stop reading the answer; nothing else is needed from it
        const r = refusal(header)
        if (opts.json === true) ctx.io.out(JSON.stringify({ tokenId, ...r }))
        ctx.io.err(`refused: ${header.status}${header.reason !== undefined ? ` ${header.reason.code}: ${header.reason.message}${header.reason.jurisdiction !== '' ? ` (${header.reason.jurisdiction}${header.reason.policyId !== '' ? ` ${header.reason.policyId}` : ''})` : ''}` : ''}`)
        ctx.exit.code = EXIT_REFUSED
        return
      }
      const replay = (async function * () { yield first.value; yield * frames })()
      const opened = await openEnvelopeToFile(replay, out, {
        doctorX25519PrivateKey: doctor.x25519.privateKey,
        custodianEd25519PublicKey: custodian.ed25519PublicKey,
        expectedCommitment: new Uint8Array(Buffer.from(token.commitment, 'hex')),
        requestPayloadBytes: signed.request.payload
      })
      const summary = {
        tokenId, status: opened.header.status, category: opened.header.category, mediaType: opened.header.mediaType,
        bytes: String(opened.plaintextBytes), contentTransformed: opened.contentTransformed, custodian: custodian.peerId, obligations: opened.header.obligations, out
      }
      if (opts.json === true) ctx.io.out(JSON.stringify(summary))
      else {
        const checked = opened.contentTransformed ? 'transformed by policy; checked against the custodian\'s signed commitment' : 'checked against the commitment on chain'
        ctx.io.out(`wrote ${out} (${summary.bytes} bytes, ${summary.category}, ${checked}, signed by ${custodian.country} custodian ${custodian.peerId})`)
      }
    })
}
