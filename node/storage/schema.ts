/**
 * The node's tables (component `storage`). Ids are lower-case hex TEXT (as in the API), times are
 * Unix milliseconds, lookup hashes are 32-byte HMAC-SHA256 BLOBs (lookup.ts). No table holds
 * health data in clear: records' content is in encrypted blobs, the decision log holds policy
 * inputs and outcomes only.
 */
import type { Db } from './database.js'
import type { Migration } from './migrate.js'

export const STORAGE_COMPONENT = 'storage'

const V1 = `
CREATE TABLE records (
  token_id TEXT PRIMARY KEY CHECK (length(token_id) = 64),
  subject TEXT NOT NULL,
  category TEXT NOT NULL,
  media_type TEXT NOT NULL,
  plaintext_bytes INTEGER NOT NULL,
  blob_hash TEXT NOT NULL CHECK (length(blob_hash) = 64),
  blob_bytes INTEGER NOT NULL,
  commitment TEXT NOT NULL CHECK (length(commitment) = 64),
  status TEXT NOT NULL CHECK (status IN ('local', 'pending', 'active', 'superseded', 'erased')),
  supersedes TEXT REFERENCES records (token_id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX records_by_subject ON records (subject, status);
CREATE INDEX records_by_blob ON records (blob_hash);

CREATE TABLE record_keys (
  token_id TEXT PRIMARY KEY REFERENCES records (token_id),
  wrapped_key BLOB NOT NULL,
  kek_id TEXT NOT NULL
) STRICT;

CREATE TABLE enrolments (
  subject TEXT PRIMARY KEY,
  home_country TEXT NOT NULL CHECK (length(home_country) = 2),
  birth_date_hash BLOB NOT NULL,
  x25519_public_key BLOB NOT NULL CHECK (length(x25519_public_key) = 32),
  chain_public_key BLOB,
  categories TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE subject_identifiers (
  id_hash BLOB PRIMARY KEY,
  subject TEXT NOT NULL REFERENCES enrolments (subject) ON DELETE CASCADE,
  system TEXT
) STRICT;
CREATE INDEX subject_identifiers_by_subject ON subject_identifiers (subject);

CREATE TABLE share_codes (
  code_hash BLOB PRIMARY KEY,
  subject TEXT NOT NULL REFERENCES enrolments (subject) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER
) STRICT;
CREATE INDEX share_codes_by_subject ON share_codes (subject);

CREATE TABLE restriction_requests (
  subject TEXT PRIMARY KEY REFERENCES enrolments (subject) ON DELETE CASCADE,
  request_hash TEXT NOT NULL,
  signed_at INTEGER NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT;

CREATE TABLE restrictions (
  subject TEXT NOT NULL REFERENCES enrolments (subject) ON DELETE CASCADE,
  category TEXT NOT NULL,
  PRIMARY KEY (subject, category)
) STRICT;

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  token_id TEXT,
  payload BLOB NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'submitted', 'confirmed', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  tx_hash TEXT,
  height INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_by_token ON outbox (token_id);

CREATE TABLE decisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  token_id TEXT,
  direction TEXT NOT NULL CHECK (direction IN ('export', 'import', 'discover')),
  requester_country TEXT NOT NULL,
  custodian_country TEXT NOT NULL,
  provider_id TEXT,
  purpose TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),
  reason TEXT,
  emergency INTEGER NOT NULL DEFAULT 0,
  policy_versions TEXT NOT NULL,
  obligations TEXT NOT NULL,
  request TEXT NOT NULL
) STRICT;
CREATE INDEX decisions_by_time ON decisions (at);

CREATE TABLE inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subject TEXT NOT NULL,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  read_at INTEGER
) STRICT;
CREATE INDEX inbox_by_subject ON inbox (subject, id);

CREATE TABLE access_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  event BLOB NOT NULL,
  at INTEGER NOT NULL,
  batch INTEGER REFERENCES outbox (id)
) STRICT;
CREATE INDEX access_queue_unbatched ON access_queue (batch, id);
`

/**
 * Version 2: the sensitive categories found inside a record other than its own (a JSON array of
 * categories, e.g. `["genomic"]` in a patient summary); each is decided separately at release.
 * Rows stored before it hold `[]` (none known: such a record is released as a whole, as before).
 */
const V2 = `ALTER TABLE records ADD COLUMN contains TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(contains) AND json_type(contains) = 'array');`

/**
 * Version 3: the SHA-256 of a record's ciphertext segments (the blob without its 20-byte header:
 * exactly the bytes a retrieval relays and its signed trailer commits to), lower-case hex, computed
 * once at ingestion so that a retrieval need not hash the whole record again. NULL for rows stored
 * before it: such a record's first complete retrieval computes it (node/relay-adapters/records.ts).
 */
const V3 = `ALTER TABLE records ADD COLUMN ciphertext_hash TEXT CHECK (ciphertext_hash IS NULL OR length(ciphertext_hash) = 64);`

export const STORAGE_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'records, keys, enrolments, restrictions, outbox, decisions, inbox, access queue', up: (db: Db): void => { db.exec(V1) } },
  { version: 2, name: 'records.contains: sensitive categories inside a record', up: (db: Db): void => { db.exec(V2) } },
  { version: 3, name: 'records.ciphertext_hash: SHA-256 of the stored ciphertext segments', up: (db: Db): void => { db.exec(V3) } }
]
