import type { Command } from 'commander'
import { InvalidInputError } from '../../../common/errors.js'
import type { CliContext } from '../context.js'
import { DEFAULT_CHAIN_RPC, EXIT_REFUSED } from '../defaults.js'

interface DiscoverOpts {
  node: string, apiKey: string, key: string, purpose: string, shareCode?: string, country: string, identifier?: string, birthDate?: string,
  chainRpc: string, homePeer?: string, json?: boolean
}

interface DiscoverAnswer { status: string, reason?: { code?: string, message?: string }, subject: string, tokens: Array<{ tokenId: string, custodian: string }> }

/**
 * `healthrelay discover`: finds a traveller's releasable records through their home country. The
 * doctor signs a DiscoverQuery (share code, or identifier and birth date) addressed to the home
 * country's registered node (read from the chain through `--chain-rpc`), and their own node
 * carries it. Prints the subject and each releasable token id with its custodian peer id (the peer
 * `record get --custodian` takes).
 */
export function registerDiscover (program: Command, ctx: CliContext): void {
  program.command('discover')
    .description('find a traveller\'s releasable records through their home country (share code, or identifier + birth date)')
    .requiredOption('--node <url>', 'the doctor\'s node API, e.g. http://127.0.0.1:8080')
    .requiredOption('--api-key <key>', 'a provider API key of that node')
    .requiredOption('--key <file>', 'the doctor key file (with its credential)')
    .requiredOption('--purpose <purpose>', 'treatment | emergency | research | insurance | public-health')
    .requiredOption('--country <CC>', 'the traveller\'s home country')
    .option('--share-code <code>', 'the traveller\'s share code (XXXX-XXXX-XXXX)')
    .option('--identifier <id>', 'the traveller\'s national identifier (with --birth-date)')
    .option('--birth-date <YYYY-MM-DD>', 'the traveller\'s birth date (with --identifier)')
    .option('--chain-rpc <url>', 'the chain RPC used to find the home country\'s node', DEFAULT_CHAIN_RPC)
    .option('--home-peer <peerId>', 'the home country node\'s peer id (default: its one registered node)')
    .option('--json', 'print the answer as JSON')
    .action(async (opts: DiscoverOpts) => {
      const { readDoctorKeyFile } = await import('../../keystore/index.js')
      const { signDiscoverRequest } = await import('../../../relay/protocol/index.js')
      const { callNode, hexRequestBody, nodeUrl, purposeOf, registeredPeer, requireOk, withChain } = await import('./record-common.js')
      const base = nodeUrl(opts.node)
      const purpose = purposeOf(opts.purpose)
      if (!/^[A-Z]{2}$/.test(opts.country)) throw new InvalidInputError('--country: an ISO 3166-1 alpha-2 code')
      const byCode = opts.shareCode !== undefined
      const byId = opts.identifier !== undefined || opts.birthDate !== undefined
      if (byCode === byId) throw new InvalidInputError('give either --share-code, or --identifier with --birth-date')
      if (byId && (opts.identifier === undefined || opts.identifier === '' || opts.birthDate === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(opts.birthDate))) {
        throw new InvalidInputError('--identifier and --birth-date (YYYY-MM-DD) go together')
      }
      const doctor = await readDoctorKeyFile(opts.key)
      if (doctor.credential === undefined) throw new InvalidInputError(`${opts.key} holds no credential: have the node issue one (healthrelay credential issue --doctor-key ${opts.key})`)
      const home = await withChain(opts.chainRpc, async (chain) => await registeredPeer(chain, opts.country, opts.homePeer, 'home node'))
      const signed = signDiscoverRequest({
        purpose, targetPeerId: home.peerId,
        // A share-code query names no country in the signed query; the node learns it from the body.
        ...(byCode ? { shareCode: opts.shareCode } : { homeCountry: opts.country, nationalId: opts.identifier, birthDate: opts.birthDate })
      }, { ed25519PrivateKey: doctor.ed25519.privateKey, credential: doctor.credential.signed })
      const res = await requireOk(await callNode(`${base}/v1/discover`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...hexRequestBody(signed.request), homeCountry: opts.country })
      }))
      const answer = await res.json() as DiscoverAnswer
      if (opts.json === true) ctx.io.out(JSON.stringify(answer))
      if (answer.status !== 'OK') {
        ctx.io.err(`refused: ${answer.status}${answer.reason !== undefined ? ` ${answer.reason.code ?? ''}: ${answer.reason.message ?? ''}` : ''}`)
        ctx.exit.code = EXIT_REFUSED
        return
      }
      if (opts.json === true) return
      ctx.io.out(`subject ${answer.subject}`)
      for (const t of answer.tokens) ctx.io.out(`${t.tokenId}  custodian ${t.custodian}`)
      if (answer.tokens.length === 0) ctx.io.out('no releasable records')
    })
}
