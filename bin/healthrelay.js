#!/usr/bin/env node
// Entry point of the `healthrelay` command. The sources are TypeScript; tsx loads them without a
// separate build step, so `npm install` is the whole set-up.
import { register } from 'tsx/esm/api'

register()
await import('../common/polyfill.ts')
const { main } = await import('../node/cli/main.ts')
process.exitCode = await main(process.argv)
