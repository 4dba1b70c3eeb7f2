/**
 * node bin/run-ts.js docker/gen-network.ts [--out docker/network] [--countries DE,FR,US,JP] [--force]
 *
 * Writes the keys, the shared genesis and every config.toml of the Docker network that
 * docker/compose.yaml runs. Private keys go to files of mode 0600 and are never printed.
 */
import { parseArgs } from 'node:util'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateNetwork, NETWORK_COUNTRIES } from './network.js'

const here = dirname(fileURLToPath(import.meta.url))
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(here, 'network') },
    countries: { type: 'string', default: NETWORK_COUNTRIES.join(',') },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false }
  }
})
if (values.help) {
  process.stdout.write('usage: node bin/run-ts.js docker/gen-network.ts [--out DIR] [--countries DE,FR,US,JP] [--force]\n')
  process.exit(0)
}
const countries = values.countries.split(',').map((c) => c.trim().toUpperCase())
if (countries.some((c) => !/^[A-Z]{2}$/.test(c)) || countries.length < 4) {
  process.stderr.write('--countries: at least four ISO 3166-1 alpha-2 codes (BFT needs four validators to survive one failure)\n')
  process.exit(2)
}
try {
  const network = await generateNetwork({ out: resolve(values.out), countries, force: values.force })
  for (const n of network) {
    process.stdout.write(`${n.country}: validator ${n.validator.address}, CometBFT node ${n.cometNodeId}, daemon peer ${n.peerId}\n`)
  }
  process.stdout.write(`wrote ${resolve(values.out)}; now: docker compose -f docker/compose.yaml up --build\n`)
} catch (err) {
  process.stderr.write(`error: ${(err as Error).message}\n`)
  process.exit(1)
}
