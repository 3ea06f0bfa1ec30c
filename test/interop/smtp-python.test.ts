/**
 * Interoperability with Python's standard smtplib (run as a real `python3` process): STARTTLS
 * then login and sendmail, SMTP_SSL on the implicit-TLS port, AUTH LOGIN, bare-LF content, and
 * send_message with SMTPUTF8 (RFC 6531) and a raw 8-bit UTF-8 Subject, stored byte for byte.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mailboxContents, provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { requireTool, run, splitTrace, tempDir } from './tools.ts';

/**
 * The client script. Reads a JSON job from stdin, does it with smtplib, and prints a JSON
 * report: the replies it saw and the exact bytes it handed to sendmail (base64).
 */
const CLIENT_PY = String.raw`
import base64, copy, io, json, smtplib, ssl, sys
import email.generator
from email import policy
from email.message import EmailMessage

job = json.load(sys.stdin)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
report = {}

def build_utf8_message(m):
    msg = EmailMessage(policy=policy.SMTPUTF8)
    msg['From'] = m['from']
    msg['To'] = m['to']
    msg['Subject'] = m['subject']
    msg['Message-ID'] = m['messageId']
    msg.set_content(m['text'], cte='8bit')
    # Flatten exactly as smtplib.send_message does for an internationalised envelope.
    msg_copy = copy.copy(msg)
    with io.BytesIO() as out:
        email.generator.BytesGenerator(out, policy=msg.policy.clone(utf8=True)).flatten(msg_copy, linesep='\r\n')
        report['flattened'] = base64.b64encode(out.getvalue()).decode()
    return msg

if job['mode'] == 'ssl':
    s = smtplib.SMTP_SSL('127.0.0.1', job['port'], local_hostname='python.client.test', context=ctx, timeout=30)
else:
    s = smtplib.SMTP('127.0.0.1', job['port'], local_hostname='python.client.test', timeout=30)
try:
    code, text = s.ehlo()
    report['ehlo'] = [code, text.decode()]
    if job.get('starttls'):
        code, text = s.starttls(context=ctx)
        report['starttls'] = [code, text.decode()]
        code, text = s.ehlo()
        report['ehloAfterTls'] = [code, text.decode()]
    if job.get('login'):
        user, password = job['login']
        try:
            if job.get('mechanism') == 'LOGIN':
                s.user, s.password = user, password
                code, text = s.auth('LOGIN', s.auth_login, initial_response_ok=False)
            else:
                code, text = s.login(user, password)
            report['login'] = [code, text.decode()]
        except smtplib.SMTPAuthenticationError as e:
            report['authError'] = [e.smtp_code, e.smtp_error.decode()]
            print(json.dumps(report))
            sys.exit(0)
    if job.get('raw') is not None:
        raw = base64.b64decode(job['raw'])
        report['refused'] = s.sendmail(job['from'], job['to'], raw, job.get('mailOptions', []))
    if job.get('utf8') is not None:
        msg = build_utf8_message(job['utf8'])
        report['refused'] = s.send_message(msg, mail_options=job.get('mailOptions', []))
    report['quit'] = list(s.quit())
    report['quit'][1] = report['quit'][1].decode()
finally:
    s.close()
print(json.dumps(report))
`;

interface PyReport {
  ehlo: [number, string];
  starttls?: [number, string];
  ehloAfterTls?: [number, string];
  login?: [number, string];
  authError?: [number, string];
  refused?: Record<string, unknown>;
  flattened?: string;
  quit?: [number, string];
}

let server: TestServer;
let scratch: Awaited<ReturnType<typeof tempDir>>;
let script: string;

before(async () => {
  await requireTool('python3', 'python3', ['--version']);
  scratch = await tempDir();
  script = path.join(scratch.dir, 'client.py');
  await writeFile(script, CLIENT_PY);
  server = await startTestServer();
  await provision(server, ['loft.test'], ['alice@loft.test', 'bob@loft.test', 'jörg@loft.test']);
});
after(async () => {
  await server?.close();
  await scratch?.remove();
});

async function python(job: Record<string, unknown>): Promise<PyReport> {
  const result = await run('python3', [script], { input: JSON.stringify(job), timeoutMs: 60_000 });
  assert.equal(result.code, 0, `python3 smtplib failed:\n${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as PyReport;
}

function b64(text: string | Buffer): string {
  return Buffer.from(text).toString('base64');
}

describe('python3 smtplib', () => {
  test('SMTP + starttls() + login() + sendmail(): stored byte-exact', async () => {
    const raw = Buffer.from(
      'From: alice@loft.test\r\nTo: bob@loft.test\r\nSubject: from smtplib\r\n\r\n' +
        'Hello from Python.\r\n.a line with a leading dot\r\n.\r\nbye\r\n',
    );
    const report = await python({
      mode: 'plain',
      port: server.ports.submission,
      starttls: true,
      login: ['alice@loft.test', 'secret'],
      from: 'alice@loft.test',
      to: ['bob@loft.test'],
      raw: b64(raw),
    });
    assert.equal(report.starttls?.[0], 220);
    assert.match(report.ehlo[1], /^STARTTLS$/m);
    assert.doesNotMatch(report.ehloAfterTls?.[1] ?? '', /^STARTTLS$/m, 'STARTTLS not offered again');
    assert.match(report.ehloAfterTls?.[1] ?? '', /^AUTH .*PLAIN/m);
    assert.deepEqual(report.login, [235, '2.7.0 Authentication successful']);
    assert.deepEqual(report.refused, {});
    assert.equal(report.quit?.[0], 221);
    const stored = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.equal(stored.returnPath, 'Return-Path: <alice@loft.test>');
    assert.match(
      stored.received,
      /^Received: from python\.client\.test \(\[127\.0\.0\.1\]\) by mx\.loft\.test/,
    );
    assert.match(stored.received, /with ESMTPSA \(TLSv1\.[23] /);
    assert.ok(stored.content.equals(raw), `stored content differs:\n${stored.content}`);
  });

  test('AUTH LOGIN without initial response, over STARTTLS', async () => {
    const raw = Buffer.from('Subject: login mechanism\r\n\r\nvia AUTH LOGIN\r\n');
    const report = await python({
      mode: 'plain',
      port: server.ports.submission,
      starttls: true,
      login: ['bob@loft.test', 'secret'],
      mechanism: 'LOGIN',
      from: 'bob@loft.test',
      to: ['alice@loft.test'],
      raw: b64(raw),
    });
    assert.equal(report.login?.[0], 235);
    const stored = splitTrace((await mailboxContents(server, 'alice@loft.test')).at(-1)!);
    assert.equal(stored.returnPath, 'Return-Path: <bob@loft.test>');
    assert.ok(stored.content.equals(raw));
  });

  test('SMTP_SSL on the submissions port', async () => {
    const raw = Buffer.from('Subject: implicit TLS from Python\r\n\r\nport 465\r\n');
    const report = await python({
      mode: 'ssl',
      port: server.ports.submissions,
      login: ['alice@loft.test', 'secret'],
      from: 'alice@loft.test',
      to: ['bob@loft.test', 'BOB+python@LOFT.TEST'],
      raw: b64(raw),
    });
    assert.doesNotMatch(report.ehlo[1], /STARTTLS/);
    assert.equal(report.login?.[0], 235);
    assert.deepEqual(report.refused, {});
    const stored = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.match(stored.received, /with ESMTPSA \(TLSv1\.[23] /);
    assert.ok(stored.content.equals(raw));
  });

  test('bytes with bare LF line ends are stored with CRLF', async () => {
    // sendmail() passes bytes through untouched and, as they do not end in CRLF, appends one:
    // the wire carries `line 2<LF><CR><LF>.<CR><LF>`, so the stored message ends with an empty line.
    // smtplib also dot-stuffs after a bare LF (`..dot`); Loft deliberately unstuffs only after a
    // real CRLF (data-decoder.ts, against SMTP smuggling), so that line keeps both dots.
    const report = await python({
      mode: 'plain',
      port: server.ports.smtp,
      from: 'someone@elsewhere.example',
      to: ['bob@loft.test'],
      raw: b64('Subject: unix line ends\n\nline 1\n.dot\nline 2\n'),
    });
    assert.deepEqual(report.refused, {});
    const stored = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.equal(
      stored.content.toString(),
      'Subject: unix line ends\r\n\r\nline 1\r\n..dot\r\nline 2\r\n\r\n',
    );
  });

  test('a wrong password: SMTPAuthenticationError 535', async () => {
    const report = await python({
      mode: 'plain',
      port: server.ports.submission,
      starttls: true,
      login: ['alice@loft.test', 'not the password'],
    });
    assert.equal(report.login, undefined);
    assert.deepEqual(report.authError, [535, '5.7.8 Authentication credentials invalid']);
  });
});

/** Sends a UTF-8 message from alice to jörg on the submission port with send_message. */
async function sendUtf8(mailOptions: string[], subject: string, messageId: string): Promise<Buffer> {
  const report = await python({
    mode: 'plain',
    port: server.ports.submission,
    starttls: true,
    login: ['alice@loft.test', 'secret'],
    mailOptions,
    utf8: {
      from: 'Alice <alice@loft.test>',
      to: 'Jörg Müller <jörg@loft.test>',
      subject,
      messageId,
      text: 'Schöne Grüße!\n.Zeile mit Punkt\nÄÖÜ äöü ß € 😀\n',
    },
  });
  assert.deepEqual(report.refused, {});
  return Buffer.from(report.flattened!, 'base64');
}

describe('python3 smtplib with SMTPUTF8 (RFC 6531)', () => {
  test('send_message to a UTF-8 address with a raw UTF-8 Subject: stored byte-exact', async () => {
    const subject = 'Grüße aus Köln – ✓';
    const sent = await sendUtf8([], subject, '<utf8-submission@loft.test>');
    // The client really sent 8-bit UTF-8 in the header, not an RFC 2047 encoded-word.
    assert.ok(sent.includes(Buffer.from(`Subject: ${subject}\r\n`)), sent.toString());
    assert.ok(sent.includes(Buffer.from('To: Jörg Müller <jörg@loft.test>\r\n')));
    const stored = splitTrace((await mailboxContents(server, 'jörg@loft.test')).at(-1)!);
    assert.match(stored.received, /with UTF8SMTPSA /);
    assert.match(stored.received, /for <jörg@loft\.test>/);
    assert.ok(stored.content.equals(sent), `stored content differs:\n${stored.content}`);
  });

  test("send_message(mail_options=['SMTPUTF8']) to a UTF-8 address (smtplib then sends SMTPUTF8 twice)", async () => {
    // smtplib appends SMTPUTF8 and BODY=8BITMIME itself for an internationalised envelope, so
    // MAIL FROM carries `SMTPUTF8 SMTPUTF8`. A repeated value-less keyword is harmless and must
    // not cost the message.
    const sent = await sendUtf8(['SMTPUTF8'], 'Grüße, zweimal SMTPUTF8', '<utf8-twice@loft.test>');
    const stored = splitTrace((await mailboxContents(server, 'jörg@loft.test')).at(-1)!);
    assert.ok(stored.content.equals(sent), `stored content differs:\n${stored.content}`);
  });

  test('a UTF-8 envelope sender on the MX port', async () => {
    const report = await python({
      mode: 'plain',
      port: server.ports.smtp,
      utf8: {
        from: 'Jörg <jörg@loft.test>',
        to: 'bob@loft.test',
        subject: 'Ünïcödé on port 25',
        messageId: '<utf8-mx@loft.test>',
        text: 'grüß dich\n',
      },
    });
    assert.deepEqual(report.refused, {});
    const sent = Buffer.from(report.flattened!, 'base64');
    const stored = splitTrace((await mailboxContents(server, 'bob@loft.test')).at(-1)!);
    assert.equal(stored.returnPath, 'Return-Path: <jörg@loft.test>');
    assert.match(stored.received, /with UTF8SMTP(S)? /);
    assert.ok(stored.content.equals(sent), `stored content differs:\n${stored.content}`);
  });
});
