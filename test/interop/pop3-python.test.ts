/**
 * Interoperability with Python's standard poplib (run as a real `python3` process): CAPA, STLS
 * then USER/PASS, POP3_SSL on the implicit-TLS port, STAT / LIST / UIDL / TOP / RETR, and both
 * download-and-keep and download-and-delete, checked against the stored bytes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { deliver } from '../pop3/support.ts';
import { requireTool, run } from './tools.ts';

/** The client script: reads a JSON job from stdin, runs it with poplib, prints a JSON report. */
const CLIENT_PY = `
import base64, json, poplib, ssl, sys

job = json.load(sys.stdin)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
report = {}

if job['mode'] == 'ssl':
    p = poplib.POP3_SSL('127.0.0.1', job['port'], context=ctx, timeout=30)
else:
    p = poplib.POP3('127.0.0.1', job['port'], timeout=30)
report['welcome'] = p.getwelcome().decode()
report['capa'] = sorted(p.capa().keys())
if job.get('stls'):
    report['stls'] = p.stls(context=ctx).decode()
    report['capaAfterTls'] = sorted(p.capa().keys())
try:
    p.user(job['user'])
    report['pass'] = p.pass_(job['password']).decode()
except poplib.error_proto as e:
    report['error'] = e.args[0].decode()
    print(json.dumps(report))
    sys.exit(0)
report['stat'] = list(p.stat())
resp, listing, _ = p.list()
report['list'] = [l.decode() for l in listing]
resp, uidl, _ = p.uidl()
report['uidl'] = [l.decode() for l in uidl]
resp, top, _ = p.top(1, 1)
report['top'] = [base64.b64encode(l).decode() for l in top]
report['messages'] = []
for i in range(1, len(listing) + 1):
    resp, lines, octets = p.retr(i)
    report['messages'].append({'resp': resp.decode(), 'lines': [base64.b64encode(l).decode() for l in lines], 'octets': octets})
    if job.get('delete'):
        p.dele(i)
report['quit'] = p.quit().decode()
print(json.dumps(report))
`;

interface Report {
  welcome: string;
  capa: string[];
  capaAfterTls?: string[];
  stls?: string;
  pass?: string;
  error?: string;
  stat: [number, number];
  list: string[];
  uidl: string[];
  top: string[];
  messages: { resp: string; lines: string[]; octets: number }[];
  quit: string;
}

let server: TestServer;

before(async () => {
  await requireTool('python3', 'python3', ['-c', 'import poplib, ssl']);
  server = await startTestServer({ auth: { plaintext: 'tls' } });
  await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test']);
  await deliver(
    server,
    'alice@loft.test',
    'Subject: one\r\nFrom: a@example.test\r\n\r\nFirst line\r\n.dotted line\r\nlast',
  );
  await deliver(server, 'alice@loft.test', 'Subject: two\r\n\r\nSecond message');
  await deliver(server, 'bob@loft.test', 'Subject: for bob\r\n\r\nHello Bob');
});
after(() => server?.close());

async function poplib(job: Record<string, unknown>): Promise<Report> {
  const result = await run('python3', ['-c', CLIENT_PY], { input: JSON.stringify(job), timeoutMs: 60_000 });
  assert.equal(result.code, 0, `python3 failed:\n${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout) as Report;
}

/** What poplib hands back for a stored message: lines without CRLF, joined with CRLF. */
function joined(lines: string[]): Buffer {
  return Buffer.from(
    lines.map((l) => Buffer.from(l, 'base64').toString('latin1')).join('\r\n') + '\r\n',
    'latin1',
  );
}

describe('python3 poplib', () => {
  test('STLS, then USER/PASS, then listing and download-and-keep', async () => {
    const report = await poplib({
      mode: 'plain',
      port: server.ports.pop3,
      stls: true,
      user: 'alice@loft.test',
      password: 'secret',
    });
    assert.match(report.welcome, /^\+OK .*Loft POP3 server ready/);
    assert.ok(report.capa.includes('STLS') && !report.capa.includes('USER'), report.capa.join(' '));
    assert.match(report.stls!, /^\+OK/);
    assert.ok(report.capaAfterTls!.includes('USER') && !report.capaAfterTls!.includes('STLS'));
    assert.match(report.pass!, /^\+OK Logged in/);
    const stored = await mailboxContents(server, 'alice@loft.test');
    assert.deepEqual(report.stat, [2, stored[0]!.length + stored[1]!.length]);
    assert.deepEqual(
      report.list,
      stored.map((m, i) => `${i + 1} ${m.length}`),
    );
    assert.equal(report.uidl.length, 2);
    for (const [i, m] of report.messages.entries()) {
      assert.equal(m.octets, stored[i]!.length, 'poplib counts the un-stuffed octets LIST announced');
      assert.deepEqual(joined(m.lines), stored[i], `message ${i + 1} arrives byte for byte`);
    }
    const top = joined(report.top).toString();
    assert.ok(top.endsWith('From: a@example.test\r\n\r\nFirst line\r\n'), top);
    assert.match(report.quit, /^\+OK/);
    assert.equal((await mailboxContents(server, 'alice@loft.test')).length, 2, 'kept');
    const again = await poplib({
      mode: 'ssl',
      port: server.ports.pop3s,
      user: 'alice@loft.test',
      password: 'secret',
    });
    assert.deepEqual(again.uidl, report.uidl, 'the same UIDL in the next session');
  });

  test('plaintext USER without TLS is refused with [AUTH]', async () => {
    const report = await poplib({
      mode: 'plain',
      port: server.ports.pop3,
      user: 'alice@loft.test',
      password: 'secret',
    });
    assert.match(report.error!, /^-ERR \[AUTH\] Plaintext authentication disallowed/);
  });

  test('POP3_SSL on the implicit-TLS port: download-and-delete', async () => {
    const report = await poplib({
      mode: 'ssl',
      port: server.ports.pop3s,
      user: 'bob@loft.test',
      password: 'secret',
      delete: true,
    });
    assert.ok(!report.capa.includes('STLS'));
    assert.equal(report.messages.length, 1);
    assert.match(joined(report.messages[0]!.lines).toString(), /Subject: for bob\r\n\r\nHello Bob\r\n$/);
    assert.match(report.quit, /maildrop empty/);
    assert.equal((await mailboxContents(server, 'bob@loft.test')).length, 0, 'deleted at QUIT');
  });
});
