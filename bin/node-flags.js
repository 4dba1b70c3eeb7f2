// V8 flags for the long-running commands (`healthrelay start`, `healthrelay devnet`), applied by
// bin/healthrelay.js before anything is loaded. Each is read by V8 when it matters (when a
// WebAssembly module is compiled; when the young generation would grow; after a major GC), so
// setting them at run time works. Measured with `npm run bench -- node breakdown` and
// `npm run bench -- node`:
//
// --liftoff-only: WebAssembly (Cedar, tiny-secp256k1, libsodium) stays on V8's baseline compiler.
//   The optimising tier's code and compilation memory cost ~50 MiB of an idle node; Cedar
//   evaluations are ~15 % slower and start-up compilation is faster.
// --semi-space-growth-factor=1: the young generation keeps its initial 2 × 1 MiB instead of
//   growing to 2 × 16 MiB (~26 MiB of an idle node); more frequent, smaller scavenges.
// --heap-growing-percent=20: the old generation's next limit is 1.2 × the live heap instead of up to
//   4 × (~8 MiB of an idle node); more frequent major GCs of a ~40 MiB heap. No measurable change
//   in the 200-retrieval time, unlike --optimize-for-size (similar saving, ~25 % slower there).
//
// HEALTHRELAY_V8_FLAGS replaces the list ('' turns it off).
export const DAEMON_V8_FLAGS = ['--liftoff-only', '--semi-space-growth-factor=1', '--heap-growing-percent=20']
export const DAEMON_COMMANDS = ['start', 'devnet']

/** The command of a `healthrelay [--home D] <command> …` argument list (undefined for none). */
export function commandOf (args) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--home') { i++; continue }
    if (!args[i].startsWith('-')) return args[i]
  }
  return undefined
}

/** The flags to apply for these arguments (process.argv.slice(2)). */
export function daemonFlags (args, env = process.env) {
  if (!DAEMON_COMMANDS.includes(commandOf(args))) return []
  if (env.HEALTHRELAY_V8_FLAGS !== undefined) return env.HEALTHRELAY_V8_FLAGS.split(/\s+/).filter((f) => f !== '')
  return DAEMON_V8_FLAGS
}
