/**
 * TLS material: a configured certificate and key are served; without them a self-signed pair is
 * made for the hostname at first start and kept; an unreadable or mismatched pair is refused with
 * a message naming the key.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { generateSelfSigned, loadTls } from '../../src/server/net/tls.ts';
import { startTestServer } from '../helpers/server.ts';
import { SmtpDialog } from '../helpers/smtp-dialog.ts';

async function peerCertificateCn(port: number): Promise<string | undefined> {
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await new Promise((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  const cn = socket.getPeerCertificate().subject?.CN;
  socket.destroy();
  return Array.isArray(cn) ? cn[0] : cn;
}

test('a configured certificate is what clients see, on implicit TLS and after STARTTLS', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loft-tls-'));
  const pair = await generateSelfSigned('configured.example');
  await writeFile(path.join(dir, 'cert.pem'), pair.cert);
  await writeFile(path.join(dir, 'key.pem'), pair.key);
  const server = await startTestServer({
    tls: { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') },
  });
  try {
    assert.equal(await peerCertificateCn(server.ports.submissions!), 'configured.example');
    const smtp = await SmtpDialog.connect(server.ports.submission!);
    await smtp.expect(220);
    await smtp.command('EHLO c.example', 250);
    await smtp.command('STARTTLS', 220);
    await smtp.startTls();
    await smtp.command('EHLO c.example', 250);
    smtp.close();
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('without configuration a self-signed certificate for the hostname is made once and kept', async () => {
  const server = await startTestServer();
  try {
    assert.equal(await peerCertificateCn(server.ports.submissions!), 'mx.loft.test');
    const first = await readFile(path.join(server.dataDir, 'tls', 'self-signed.crt'), 'utf8');
    const again = await loadTls({ dataDir: server.dataDir, hostname: 'mx.loft.test' });
    assert.equal(again.cert, first, 'the same certificate at the next start');
  } finally {
    await server.close();
  }
});

test('unreadable or unusable certificate files are refused, naming the key', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loft-tls-'));
  try {
    await assert.rejects(
      loadTls({
        certFile: path.join(dir, 'none.pem'),
        keyFile: path.join(dir, 'none.key'),
        dataDir: dir,
        hostname: 'x',
      }),
      /tls\.cert: cannot read/,
    );
    const a = await generateSelfSigned('a.example');
    const b = await generateSelfSigned('b.example');
    await writeFile(path.join(dir, 'cert.pem'), a.cert);
    await writeFile(path.join(dir, 'key.pem'), b.key);
    await assert.rejects(
      loadTls({
        certFile: path.join(dir, 'cert.pem'),
        keyFile: path.join(dir, 'key.pem'),
        dataDir: dir,
        hostname: 'x',
      }),
      /not a usable certificate and key/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
