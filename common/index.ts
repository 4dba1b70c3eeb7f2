/** Plumbing every part uses: named errors and the injected logger. */
export * from './errors.js'
export * from './logger.js'
