/** The daemon's validated configuration: schema, defaults and the loader. */
export * from './schema.js'
export * from './load.js'
