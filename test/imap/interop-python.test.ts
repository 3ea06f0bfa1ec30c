/**
 * Interoperability with python3's imaplib, a client nobody here wrote: LOGIN on loopback,
 * STARTTLS with `IMAP4.starttls()`, implicit TLS with `IMAP4_SSL`, LIST, SELECT, FETCH of
 * RFC822, BODY.PEEK[HEADER] and BODYSTRUCTURE, STORE and EXPUNGE. The script prints JSON, the
 * test compares it with what storage holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { requireTool, run } from '../interop/tools.ts';
import { deliver } from '../pop3/support.ts';

let server: TestServer;

before(async () => {
  await requireTool('python3', 'python3', ['--version']);
  server = await startTestServer({ auth: { max_failures_per_ip: 1000 } });
  await provision(server, ['loft.test'], ['alice@loft.test', 'tls@loft.test']);
  await deliver(
    server,
    'alice@loft.test',
    'From: Bob <bob@example.com>\r\nSubject: first\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: multipart/alternative; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n' +
      'plain text\r\n--zz\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--zz--\r\n',
  );
  await deliver(server, 'alice@loft.test', 'Subject: second\r\n\r\nSecond body\r\n');
  await deliver(server, 'alice@loft.test', 'Subject: third\r\n\r\nThird body\r\n');
  await deliver(server, 'tls@loft.test', 'Subject: over tls\r\n\r\nsecret body\r\n');
});
after(() => server?.close());

/** The script: connects as `mode` says, runs the steps, prints one JSON object. */
const SCRIPT = String.raw`
import imaplib, json, ssl, sys
mode, port, user = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
out = {}
def text(data):
    return [d.decode('utf-8', 'replace') if isinstance(d, bytes) else [x.decode('utf-8', 'replace') for x in d] for d in data]
if mode == 'ssl':
    m = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=ctx)
else:
    m = imaplib.IMAP4('127.0.0.1', port)
    if mode == 'starttls':
        out['starttls'] = m.starttls(ssl_context=ctx)[0]
out['capabilities'] = list(m.capabilities)
out['login'] = m.login(user, 'secret')[0]
typ, boxes = m.list()
out['list'] = text(boxes)
typ, data = m.select('INBOX')
out['select'] = [typ, data[0].decode()]
typ, data = m.fetch('1', '(RFC822)')
out['rfc822'] = data[0][1].decode('utf-8', 'replace')
typ, data = m.fetch('1', '(BODY.PEEK[HEADER])')
out['header'] = data[0][1].decode('utf-8', 'replace')
typ, data = m.fetch('1', '(BODYSTRUCTURE)')
out['bodystructure'] = text(data)
typ, data = m.uid('FETCH', '1:*', '(UID FLAGS)')
out['flags'] = text(data)
if mode == 'plain':
    out['store'] = text(m.store('2', '+FLAGS', '(\\Deleted)')[1])
    typ, data = m.expunge()
    out['expunge'] = [typ, text(data)]
    out['after'] = m.select('INBOX')[1][0].decode()
out['logout'] = m.logout()[0]
print(json.dumps(out))
`;

interface Output {
  starttls?: string;
  capabilities: string[];
  login: string;
  list: string[];
  select: [string, string];
  rfc822: string;
  header: string;
  bodystructure: string[];
  flags: string[];
  store?: string[];
  expunge?: [string, string[]];
  after?: string;
  logout: string;
}

async function python(mode: 'plain' | 'starttls' | 'ssl', port: number, user: string): Promise<Output> {
  const result = await run('python3', ['-c', SCRIPT, mode, String(port), user], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, `python3 imaplib (${mode}) failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as Output;
}

describe('python3 imaplib', () => {
  test('LOGIN on loopback, LIST, SELECT, FETCH RFC822 / BODY.PEEK[HEADER] / BODYSTRUCTURE, STORE, EXPUNGE', async () => {
    const stored = await mailboxContents(server, 'alice@loft.test');
    const out = await python('plain', server.ports.imap!, 'alice@loft.test');
    assert.ok(out.capabilities.includes('IMAP4REV1'), out.capabilities.join(' '));
    assert.ok(out.capabilities.includes('STARTTLS'));
    assert.equal(out.login, 'OK');
    assert.equal(out.list.length, 6);
    assert.ok(out.list.includes('(\\HasNoChildren) "/" "INBOX"'), out.list.join('\n'));
    assert.ok(out.list.some((l) => l.endsWith('"Sent"') && l.includes('\\Sent')));
    assert.deepEqual(out.select, ['OK', '3']);
    assert.equal(out.rfc822, stored[0]!.toString('utf8'), 'RFC822 is the stored message, byte for byte');
    const headerEnd = stored[0]!.indexOf('\r\n\r\n') + 4;
    assert.equal(out.header, stored[0]!.subarray(0, headerEnd).toString('utf8'));
    assert.match(
      out.bodystructure[0]!,
      // The CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1): "plain text" is 10 octets.
      /^1 \(BODYSTRUCTURE \(\("TEXT" "PLAIN" \("CHARSET" "utf-8"\) NIL NIL "7BIT" 10 \d+ [^)]*\)\("TEXT" "HTML" \("CHARSET" "us-ascii"\) NIL NIL "7BIT" 11 \d+ [^)]*\) "ALTERNATIVE" \("BOUNDARY" "zz"\)/,
    );
    // RFC822 without PEEK set \Seen on message 1 (RFC 9051 §6.4.5).
    assert.match(out.flags[0]!, /UID 1 FLAGS \(\\Seen\)/);
    assert.match(out.flags[1]!, /UID 2 FLAGS \(\)/);
    assert.match(out.store![0]!, /^2 \(FLAGS \(\\Deleted\)\)$/);
    assert.deepEqual(out.expunge, ['OK', ['2']]);
    assert.equal(out.after, '2');
    assert.equal(out.logout, 'BYE');
    const left = await mailboxContents(server, 'alice@loft.test');
    assert.equal(left.length, 2);
    assert.match(left[1]!.toString(), /Subject: third/);
  });

  test('STARTTLS with IMAP4.starttls(), then LOGIN and FETCH', async () => {
    const stored = await mailboxContents(server, 'tls@loft.test');
    const out = await python('starttls', server.ports.imap!, 'tls@loft.test');
    assert.equal(out.starttls, 'OK');
    assert.ok(!out.capabilities.includes('STARTTLS'), 'capabilities asked again after TLS');
    assert.equal(out.login, 'OK');
    assert.deepEqual(out.select, ['OK', '1']);
    assert.equal(out.rfc822, stored[0]!.toString('utf8'));
  });

  test('IMAP4_SSL on the imaps port', async () => {
    const stored = await mailboxContents(server, 'tls@loft.test');
    const out = await python('ssl', server.ports.imaps!, 'tls@loft.test');
    assert.equal(out.login, 'OK');
    assert.ok(!out.capabilities.includes('STARTTLS'));
    assert.ok(out.capabilities.includes('AUTH=PLAIN'));
    assert.deepEqual(out.select, ['OK', '1']);
    assert.equal(out.rfc822, stored[0]!.toString('utf8'));
    assert.match(out.header, /Subject: over tls\r\n\r\n$/);
    assert.match(out.flags[0]!, /UID 1 FLAGS \(\\Seen\)/);
  });
});
