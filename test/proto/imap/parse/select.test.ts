import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bad, box, ok, seq } from '../helpers.ts';

describe('SELECT / EXAMINE (RFC 9051 §6.3.2, §6.3.3)', () => {
  it('parses the mailbox', () => {
    assert.deepEqual(ok('A142 SELECT INBOX'), {
      name: 'SELECT',
      mailbox: box('INBOX'),
      condstore: false,
      qresync: null,
    });
    assert.deepEqual(ok('A932 EXAMINE blurdybloop'), {
      name: 'EXAMINE',
      mailbox: box('blurdybloop'),
      condstore: false,
      qresync: null,
    });
    assert.deepEqual(ok('a select inbox'), {
      name: 'SELECT',
      mailbox: box('inbox', 'INBOX'),
      condstore: false,
      qresync: null,
    });
  });

  it('parses CONDSTORE (RFC 7162 §3.1.8)', () => {
    assert.deepEqual(ok('A02 SELECT INBOX (CONDSTORE)'), {
      name: 'SELECT',
      mailbox: box('INBOX'),
      condstore: true,
      qresync: null,
    });
  });

  it('parses QRESYNC (RFC 7162 §3.2.5)', () => {
    const cmd = ok('A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))');
    assert.deepEqual(cmd, {
      name: 'SELECT',
      mailbox: box('INBOX'),
      condstore: false,
      qresync: {
        uidValidity: 67890007,
        modSeq: 20050715194045000n,
        knownUids: seq([41, 41], [43, 211], [214, 541]),
        seqMatch: null,
      },
    });
    const full = ok(
      'B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29988:29997)))',
    );
    assert.ok(full.name === 'SELECT' && full.qresync?.seqMatch?.seqs.kind === 'ranges');
    assert.deepEqual(ok('a SELECT x (QRESYNC (1 2 (1 5)))'), {
      name: 'SELECT',
      mailbox: box('x'),
      condstore: false,
      qresync: {
        uidValidity: 1,
        modSeq: 2n,
        knownUids: null,
        seqMatch: { seqs: seq([1, 1]), uids: seq([5, 5]) },
      },
    });
  });

  it('refuses unknown or malformed parameters', () => {
    assert.match(bad('a SELECT INBOX (FOO)'), /Unknown SELECT parameter/);
    bad('a SELECT INBOX ()');
    bad('a SELECT INBOX (QRESYNC (0 1))');
    bad('a SELECT INBOX (QRESYNC (1 0))');
    bad('a SELECT INBOX (QRESYNC (1 2 1:*))');
    bad('a SELECT INBOX (QRESYNC (1 2) QRESYNC (1 2))');
    bad('a SELECT');
    bad('a SELECT a b');
  });
});
