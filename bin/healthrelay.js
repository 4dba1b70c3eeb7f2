#!/usr/bin/env node
// Entry point of the `healthrelay` command. It runs the compiled build in dist/ (bin/build.js, made
// by `npm install` through the `prepare` script, or `npm run build`) when that build is newer than
// every source (bin/dist.js); otherwise it runs the TypeScript sources through tsx, so an edited
// source is never shadowed by a stale build. The build saves tsx's loader thread and its on-the-fly
// compilation (~40 MiB of a daemon's resident memory, bench/node). HEALTHRELAY_RUNTIME=sources
// forces the sources, HEALTHRELAY_RUNTIME=dist the build (bin/dist.js). The daemons (`start`,
// `devnet`) also get the V8 flags of bin/node-flags.js.
import { setFlagsFromString } from 'node:v8'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { distState } from './dist.js'
import { daemonFlags } from './node-flags.js'

for (const flag of daemonFlags(process.argv.slice(2))) setFlagsFromString(flag)
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
let main
if (distState(root) === 'dist') {
  await import('../dist/common/polyfill.js')
  ;({ main } = await import('../dist/node/cli/main.js'))
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../common/polyfill.ts')
  ;({ main } = await import('../node/cli/main.ts'))
}
process.exitCode = await main(process.argv)
