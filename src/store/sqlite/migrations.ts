/**
 * Versioned schema migrations for SQLite, applied in order; `PRAGMA user_version` records the
 * last one applied. Never edit a released migration: add a new one.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  // 1: the initial schema
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE domains (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL UNIQUE,
    domain_id INTEGER NOT NULL REFERENCES domains(id),
    password_hash TEXT NOT NULL,
    scram_salt BLOB,
    scram_iterations INTEGER,
    scram_stored_key BLOB,
    scram_server_key BLOB,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX accounts_domain ON accounts(domain_id);
  CREATE TABLE aliases (
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (source, target)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE mailboxes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    special_use TEXT,
    uid_validity INTEGER NOT NULL,
    uid_next INTEGER NOT NULL DEFAULT 1,
    highest_modseq INTEGER NOT NULL DEFAULT 1,
    subscribed INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account_id, name)
  ) STRICT;
  CREATE TABLE blobs (
    id TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    structure TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE messages (
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid INTEGER NOT NULL,
    blob_id TEXT NOT NULL REFERENCES blobs(id),
    size INTEGER NOT NULL,
    internal_date INTEGER NOT NULL,
    flags INTEGER NOT NULL DEFAULT 0,
    keywords TEXT NOT NULL DEFAULT '[]',
    modseq INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX messages_blob ON messages(blob_id);
  CREATE TABLE queue_messages (
    id INTEGER PRIMARY KEY,
    sender TEXT NOT NULL,
    blob_id TEXT NOT NULL REFERENCES blobs(id),
    blob_offset INTEGER NOT NULL,
    env_id TEXT,
    ret TEXT,
    require_tls INTEGER NOT NULL,
    smtp_utf8 INTEGER NOT NULL,
    eight_bit INTEGER NOT NULL,
    account_id INTEGER,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX queue_messages_blob ON queue_messages(blob_id);
  CREATE TABLE queue_recipients (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    orcpt_type TEXT,
    orcpt_address TEXT,
    notify TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    lease_until INTEGER
  ) STRICT;
  CREATE INDEX queue_recipients_due ON queue_recipients(status, next_attempt_at);
  CREATE INDEX queue_recipients_message ON queue_recipients(message_id);
  `,
  // 2: leases for exclusive access (the POP3 maildrop lock, RFC 1939 §8)
  `
  CREATE TABLE locks (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  `,
  // 3: small message bodies kept inline with their index row (src/store/bodies.ts)
  `
  CREATE TABLE blob_data (
    id TEXT PRIMARY KEY REFERENCES blobs(id) ON DELETE CASCADE,
    data BLOB NOT NULL
  ) STRICT;
  `,
  // 4: IMAP subscriptions, kept by name: a subscribed name need not exist (RFC 9051 §6.3.7)
  `
  CREATE TABLE subscriptions (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO subscriptions (account_id, name) SELECT account_id, name FROM mailboxes WHERE subscribed = 1;
  ALTER TABLE mailboxes DROP COLUMN subscribed;
  `,
  // 5: the full-text index for IMAP SEARCH BODY/TEXT/HEADER (RFC 9051 §6.4.4): the decoded text of
  // each blob in an FTS5 table with the trigram tokenizer (substring matching, case-folded), keyed
  // through search_docs (blobs have text ids). The text is kept, so a search confirms against it.
  // The trigger drops a blob's text with the blob row, whichever path removes it.
  `
  CREATE TABLE search_docs (
    id INTEGER PRIMARY KEY,
    blob_id TEXT NOT NULL UNIQUE,
    truncated INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE VIRTUAL TABLE search_text USING fts5(headers, body, tokenize = 'trigram');
  CREATE TRIGGER blobs_search_text_delete AFTER DELETE ON blobs BEGIN
    DELETE FROM search_text WHERE rowid IN (SELECT id FROM search_docs WHERE blob_id = old.id);
    DELETE FROM search_docs WHERE blob_id = old.id;
  END;
  `,
  // 6: the full-text backlog. Text is indexed in the background, after the commit, so it costs an
  // acknowledgement nothing; the backlog is a table, so a restart resumes it. Only blobs placed in
  // a mailbox are indexed (a queue-only blob is never searched).
  `
  CREATE TABLE search_pending (
    seq INTEGER PRIMARY KEY,
    blob_id TEXT NOT NULL UNIQUE
  ) STRICT;
  CREATE TRIGGER blobs_search_pending_delete AFTER DELETE ON blobs BEGIN
    DELETE FROM search_pending WHERE blob_id = old.id;
  END;
  INSERT INTO search_pending (blob_id)
    SELECT b.id FROM blobs b
    WHERE EXISTS (SELECT 1 FROM messages m WHERE m.blob_id = b.id)
      AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.blob_id = b.id)
    ORDER BY b.id;
  `,
  // 7: CONDSTORE/QRESYNC (RFC 7162 §3.2.5, §3.2.6): each expunged UID with the MODSEQ of its removal,
  // so that VANISHED (EARLIER) can name what went away since a client's MODSEQ; and an index for
  // "changed since". Mailboxes that existed before keep no history: `expunge_history_from` is the
  // MODSEQ from which their history is complete (0 for mailboxes created from now on).
  `
  CREATE TABLE expunged_messages (
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid INTEGER NOT NULL,
    modseq INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX expunged_messages_modseq ON expunged_messages(mailbox_id, modseq);
  CREATE INDEX messages_modseq ON messages(mailbox_id, modseq);
  ALTER TABLE mailboxes ADD COLUMN expunge_history_from INTEGER NOT NULL DEFAULT 0;
  UPDATE mailboxes SET expunge_history_from = highest_modseq;
  `,
  // 8: DKIM signing keys per domain (RFC 6376, RFC 8463); a rotation retires the keys in use
  // (retired_at) and adds new ones, so the old selectors stay published for a while.
  `
  CREATE TABLE dkim_keys (
    id INTEGER PRIMARY KEY,
    domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    selector TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    private_key TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER,
    UNIQUE (domain_id, selector)
  ) STRICT;
  `,
  // 9: the first unseen message of a mailbox (IMAP4rev1 SELECT's UNSEEN) without reading every row
  `
  CREATE INDEX messages_unseen ON messages(mailbox_id, uid) WHERE (flags & 1) = 0;
  `,
  // 10: outbound queue runner (issue 5): whether a delay notice went out for a recipient (RFC 3464
  // Action: delayed, sent once). Claims use queue_recipients_due (status, next_attempt_at).
  `
  ALTER TABLE queue_recipients ADD COLUMN delay_notified INTEGER NOT NULL DEFAULT 0;
  `,
  // 11: the directory's version (Store.directoryVersion): raised by every change of domains,
  // accounts, aliases and mailbox names, whichever process makes it, so the server knows when
  // routes it looked up still hold. Deliveries change mailboxes' counters, not their names.
  `
  CREATE TABLE directory_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
  ) STRICT;
  INSERT INTO directory_version (id, version) VALUES (1, 0);
  CREATE TRIGGER domains_insert_version AFTER INSERT ON domains
    BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER domains_delete_version AFTER DELETE ON domains
    BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER domains_update_version AFTER UPDATE ON domains
    BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER accounts_insert_version AFTER INSERT ON accounts
    BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER accounts_delete_version AFTER DELETE ON accounts
    BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER accounts_update_version AFTER UPDATE ON accounts
    BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER aliases_insert_version AFTER INSERT ON aliases
    BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER aliases_delete_version AFTER DELETE ON aliases
    BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER aliases_update_version AFTER UPDATE ON aliases
    BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER mailboxes_insert_version AFTER INSERT ON mailboxes
    BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER mailboxes_delete_version AFTER DELETE ON mailboxes
    BEGIN UPDATE directory_version SET version = version + 1; END;
  CREATE TRIGGER mailboxes_update_version AFTER UPDATE OF name, account_id ON mailboxes
    BEGIN UPDATE directory_version SET version = version + 1; END;
  `,
  // 12: the indexed text now holds each body part's MIME header fields (SEARCH TEXT and BODY find
  // an attachment's file name, RFC 9051 §6.4.4): every message is indexed again. Until it is, a
  // search reads it instead, as for any message not yet indexed. The text table is made anew
  // (as migration 5): deleting its rows one by one costs about 100 µs each.
  `
  DROP TABLE search_text;
  CREATE VIRTUAL TABLE search_text USING fts5(headers, body, tokenize = 'trigram');
  DELETE FROM search_docs;
  INSERT OR IGNORE INTO search_pending (blob_id)
    SELECT b.id FROM blobs b
    WHERE EXISTS (SELECT 1 FROM messages m WHERE m.blob_id = b.id)
    ORDER BY b.id;
  `,
];
