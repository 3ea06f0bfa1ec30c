/**
 * CONDSTORE and QRESYNC with python3's imaplib, a client nobody here wrote, sending the RFC 7162
 * commands raw: ENABLE QRESYNC, HIGHESTMODSEQ on SELECT, VANISHED at NOOP for an expunge made by
 * a second connection, UID FETCH (CHANGEDSINCE n VANISHED), STORE (UNCHANGEDSINCE n) with
 * [MODIFIED], and SELECT (QRESYNC (…)) in a third connection. The script prints JSON.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { requireTool, run } from '../interop/tools.ts';
import { deliverMany } from '../pop3/support.ts';

let server: TestServer;

before(async () => {
  await requireTool('python3', 'python3', ['--version']);
  server = await startTestServer();
  await provision(server, ['loft.test'], ['alice@loft.test']);
  await deliverMany(server, 'alice@loft.test', 4);
});
after(() => server?.close());

const SCRIPT = String.raw`
import imaplib, json, sys
port, user = int(sys.argv[1]), sys.argv[2]
def text(data):
    return [d.decode() if isinstance(d, bytes) else d for d in data if d is not None]
def connect():
    m = imaplib.IMAP4('127.0.0.1', port)
    m.login(user, 'secret')
    return m
out = {}
a = connect()
out['caps'] = sorted(c for c in a.capabilities if c in ('CONDSTORE', 'QRESYNC'))
a.enable('QRESYNC')
out['enable'] = text(a.response('ENABLED')[1])
a.select('INBOX')
uidvalidity = a.response('UIDVALIDITY')[1][0].decode()
modseq = a.response('HIGHESTMODSEQ')[1][0].decode()
out['modseq'] = modseq
b = connect()
b.select('INBOX')
out['plain_store'] = text(b.store('2', '+FLAGS', '(\\Flagged)')[1])
b.store('3', '+FLAGS.SILENT', '(\\Deleted)')
b.expunge()
b.logout()
a.noop()
out['vanished'] = text(a.response('VANISHED')[1])
out['noop_fetch'] = text(a.response('FETCH')[1])
typ, data = a.uid('FETCH', '1:*', '(FLAGS) (CHANGEDSINCE %s VANISHED)' % modseq)
out['changed'] = text(data)
out['earlier'] = text(a.response('VANISHED')[1])
typ, data = a._simple_command('STORE', '1:2 (UNCHANGEDSINCE %s) +FLAGS (\\Seen)' % modseq)
out['conditional'] = [typ, text(data)]
out['conditional_fetch'] = text(a.response('FETCH')[1])
a.logout()
c = connect()
c.enable('QRESYNC')
typ, data = c._simple_command('SELECT', 'INBOX (QRESYNC (%s %s))' % (uidvalidity, modseq))
out['qresync'] = [typ, text(c.response('VANISHED')[1]), text(c.response('FETCH')[1])]
c.logout()
print(json.dumps(out))
`;

test('python3 imaplib: RFC 7162 commands sent raw', async () => {
  const result = await run('python3', ['-c', SCRIPT, String(server.ports.imap!), 'alice@loft.test'], {
    timeoutMs: 60_000,
  });
  assert.equal(result.code, 0, `python3 imaplib failed:\n${result.stderr}`);
  const out = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.deepEqual(out.caps, ['CONDSTORE', 'QRESYNC']);
  assert.deepEqual(out.enable, ['QRESYNC']);
  assert.match(out.modseq as string, /^\d+$/);
  assert.deepEqual(
    out.plain_store,
    ['2 (FLAGS (\\Flagged))'],
    'no MODSEQ for a client that never enabled it',
  );
  assert.deepEqual(out.vanished, ['3']);
  assert.deepEqual(
    (out.noop_fetch as string[]).map((l) => l.replace(/\d+\)\)$/, 'n))')),
    ['2 (FLAGS (\\Flagged) UID 2 MODSEQ (n))'],
    'the change made elsewhere, with MODSEQ',
  );
  const changed = out.changed as string[];
  assert.equal(changed.length, 1, changed.join(' | '));
  assert.match(changed[0]!, /^2 \(UID 2 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$/);
  assert.deepEqual(out.earlier, ['(EARLIER) 3']);
  const [typ, text] = out.conditional as [string, string[]];
  assert.equal(typ, 'OK');
  assert.match(text[0]!, /^\[MODIFIED 2\] /, 'message 2 changed since');
  assert.equal((out.conditional_fetch as string[]).length, 1);
  assert.match((out.conditional_fetch as string[])[0]!, /^1 \(FLAGS \(\\Seen\) UID 1 MODSEQ \(\d+\)\)$/);
  const [selected, vanished, fetched] = out.qresync as [string, string[], string[]];
  assert.equal(selected, 'OK');
  assert.deepEqual(vanished, ['(EARLIER) 3']);
  assert.equal(fetched.length, 2, fetched.join(' | '));
  assert.match(fetched[0]!, /^1 \(FLAGS \(\\Seen\) UID 1 MODSEQ \(\d+\)\)$/);
  assert.match(fetched[1]!, /^2 \(FLAGS \(\\Flagged\) UID 2 MODSEQ \(\d+\)\)$/);
});
