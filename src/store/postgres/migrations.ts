/**
 * Versioned schema migrations for PostgreSQL, applied in order inside one transaction each,
 * under an advisory lock so that several Loft processes starting at once migrate only once.
 * The schema mirrors the SQLite one (src/store/sqlite/migrations.ts) table for table; blob rows
 * own their inline body, search text and backlog entry through ON DELETE CASCADE.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  // 1: the schema of SQLite migrations 1–6 at once
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE domains (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    address TEXT NOT NULL UNIQUE,
    domain_id BIGINT NOT NULL REFERENCES domains(id),
    password_hash TEXT NOT NULL,
    scram_salt BYTEA,
    scram_iterations INTEGER,
    scram_stored_key BYTEA,
    scram_server_key BYTEA,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX accounts_domain ON accounts(domain_id);
  CREATE TABLE aliases (
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (source, target)
  );
  CREATE TABLE mailboxes (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    special_use TEXT,
    uid_validity BIGINT NOT NULL,
    uid_next BIGINT NOT NULL DEFAULT 1,
    highest_modseq BIGINT NOT NULL DEFAULT 1,
    UNIQUE (account_id, name)
  );
  CREATE TABLE subscriptions (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
  );
  CREATE TABLE blobs (
    id TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    structure TEXT NOT NULL
  );
  CREATE TABLE blob_data (
    id TEXT PRIMARY KEY REFERENCES blobs(id) ON DELETE CASCADE,
    data BYTEA NOT NULL
  );
  CREATE TABLE messages (
    mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid BIGINT NOT NULL,
    blob_id TEXT NOT NULL REFERENCES blobs(id),
    size BIGINT NOT NULL,
    internal_date BIGINT NOT NULL,
    flags INTEGER NOT NULL DEFAULT 0,
    keywords TEXT NOT NULL DEFAULT '[]',
    modseq BIGINT NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
  );
  CREATE INDEX messages_blob ON messages(blob_id);
  CREATE TABLE queue_messages (
    id BIGSERIAL PRIMARY KEY,
    sender TEXT NOT NULL,
    blob_id TEXT NOT NULL REFERENCES blobs(id),
    blob_offset BIGINT NOT NULL,
    env_id TEXT,
    ret TEXT,
    require_tls BOOLEAN NOT NULL,
    smtp_utf8 BOOLEAN NOT NULL,
    eight_bit BOOLEAN NOT NULL,
    account_id BIGINT,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX queue_messages_blob ON queue_messages(blob_id);
  CREATE TABLE queue_recipients (
    id BIGSERIAL PRIMARY KEY,
    message_id BIGINT NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    orcpt_type TEXT,
    orcpt_address TEXT,
    notify TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    lease_until BIGINT
  );
  CREATE INDEX queue_recipients_due ON queue_recipients(status, next_attempt_at);
  CREATE INDEX queue_recipients_message ON queue_recipients(message_id);
  CREATE TABLE locks (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE TABLE search_docs (
    id BIGSERIAL PRIMARY KEY,
    blob_id TEXT NOT NULL UNIQUE REFERENCES blobs(id) ON DELETE CASCADE,
    truncated BOOLEAN NOT NULL DEFAULT false,
    headers TEXT NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX search_docs_headers ON search_docs USING gin (headers gin_trgm_ops);
  CREATE INDEX search_docs_body ON search_docs USING gin (body gin_trgm_ops);
  CREATE TABLE search_pending (
    seq BIGSERIAL PRIMARY KEY,
    blob_id TEXT NOT NULL UNIQUE REFERENCES blobs(id) ON DELETE CASCADE
  );
  `,
  // 2: CONDSTORE/QRESYNC (RFC 7162; SQLite migration 7): expunged UIDs with their MODSEQ, an index
  // for "changed since", and where each mailbox's expunge history starts.
  `
  CREATE TABLE expunged_messages (
    mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid BIGINT NOT NULL,
    modseq BIGINT NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
  );
  CREATE INDEX expunged_messages_modseq ON expunged_messages(mailbox_id, modseq);
  CREATE INDEX messages_modseq ON messages(mailbox_id, modseq);
  ALTER TABLE mailboxes ADD COLUMN expunge_history_from BIGINT NOT NULL DEFAULT 0;
  UPDATE mailboxes SET expunge_history_from = highest_modseq;
  `,
  // 3: DKIM signing keys per domain (SQLite migration 8)
  `
  CREATE TABLE dkim_keys (
    id BIGSERIAL PRIMARY KEY,
    domain_id BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    selector TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    private_key TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT,
    UNIQUE (domain_id, selector)
  );
  `,
  // 4: the first unseen message of a mailbox (SQLite migration 9)
  `
  CREATE INDEX messages_unseen ON messages(mailbox_id, uid) WHERE (flags & 1) = 0;
  `,
  // 5: outbound queue runner (issue 5; SQLite migration 10): whether a delay notice went out for a recipient.
  `
  ALTER TABLE queue_recipients ADD COLUMN delay_notified BOOLEAN NOT NULL DEFAULT false;
  `,
  // 6: the search backlog is claimed for a while by the process that indexes it, so that several
  // processes on one database share the work instead of each doing all of it.
  `
  ALTER TABLE search_pending ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
  ALTER TABLE search_pending ADD COLUMN lease_owner TEXT;
  `,
  // 7: message bodies and search text compressed with LZ4 (PostgreSQL 14 or later, built with it)
  // instead of pglz, several times cheaper per stored message for about the same size; values
  // stored before keep their compression. Where LZ4 is not available the columns keep pglz.
  `
  DO $$ BEGIN
    ALTER TABLE blob_data ALTER COLUMN data SET COMPRESSION lz4;
    ALTER TABLE search_docs ALTER COLUMN headers SET COMPRESSION lz4;
    ALTER TABLE search_docs ALTER COLUMN body SET COMPRESSION lz4;
  EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
    NULL;
  END $$;
  `,
  // 8: the directory's version (Store.directoryVersion; SQLite migration 11): raised by every
  // statement that changes domains, accounts, aliases or mailbox names, in any process.
  `
  CREATE TABLE directory_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
  );
  INSERT INTO directory_version (id, version) VALUES (1, 0);
  CREATE FUNCTION directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
  END $$;
  CREATE TRIGGER domains_version AFTER INSERT OR UPDATE OR DELETE ON domains
    FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
  CREATE TRIGGER accounts_version AFTER INSERT OR UPDATE OR DELETE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
  CREATE TRIGGER aliases_version AFTER INSERT OR UPDATE OR DELETE ON aliases
    FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
  CREATE TRIGGER mailboxes_version AFTER INSERT OR DELETE OR UPDATE OF name, account_id ON mailboxes
    FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
  `,
  // 9: a change of the directory is also announced (at commit) on the channel loft_directory, so
  // that a process following the change feed knows the directory's version without asking.
  `
  CREATE OR REPLACE FUNCTION directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    PERFORM pg_notify('loft_directory', current_schema());
    RETURN NULL;
  END $$;
  `,
  // 10: each body part's MIME header fields are indexed too (SQLite migration 12): every message
  // is indexed again; until it is, a search reads it instead.
  `
  TRUNCATE search_docs;
  INSERT INTO search_pending (blob_id)
    SELECT b.id FROM blobs b
    WHERE EXISTS (SELECT 1 FROM messages m WHERE m.blob_id = b.id)
    ORDER BY b.id
  ON CONFLICT (blob_id) DO NOTHING;
  `,
];
