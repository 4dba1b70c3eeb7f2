/**
 * The node's keys under `<home>/keys/` (mode 0700, files 0600, group/other-readable files
 * refused): the chain operator key (secp256k1), the node's X25519 key, the lookup secret, paths
 * for the libp2p key (relay/p2p) and the KEKs (relay/crypto), doctors' key files, and optional
 * passphrase encryption (scrypt + AES-256-GCM) of any of them.
 */
export * from './errors.js'
export * from './paths.js'
export { readPrivateFile, writePrivateFile, checkPrivateMode, PRIVATE_FILE_MODE, PRIVATE_DIR_MODE } from './files.js'
export * from './passphrase.js'
export * from './key-file.js'
export * from './chain-key.js'
export * from './x25519-key.js'
export * from './lookup-secret.js'
export * from './doctor-key.js'
export * from './keystore.js'
export * from './passphrase-source.js'
