/**
 * TLS material: the configured certificate and key, or a self-signed pair generated for the
 * hostname at first start and kept in the data folder, so STARTTLS works out of the box.
 */
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { LoftError } from '../../core/errors.ts';

export interface TlsMaterial {
  cert: string;
  key: string;
  context: SecureContext;
  selfSigned: boolean;
}

/** Loads the configured PEM files, or the data folder's self-signed pair (creating it if absent). */
export async function loadTls(options: {
  certFile?: string | undefined;
  keyFile?: string | undefined;
  dataDir: string;
  hostname: string;
}): Promise<TlsMaterial> {
  if (options.certFile && options.keyFile) {
    const cert = readPem(options.certFile, 'tls.cert');
    const key = readPem(options.keyFile, 'tls.key');
    return { cert, key, context: makeContext(cert, key, 'tls.cert/tls.key'), selfSigned: false };
  }
  const dir = path.join(options.dataDir, 'tls');
  const certFile = path.join(dir, 'self-signed.crt');
  const keyFile = path.join(dir, 'self-signed.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const generated = await generateSelfSigned(options.hostname);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomic(keyFile, generated.key, 0o600);
    writeAtomic(certFile, generated.cert, 0o644);
  }
  const cert = readFileSync(certFile, 'utf8');
  const key = readFileSync(keyFile, 'utf8');
  return { cert, key, context: makeContext(cert, key, certFile), selfSigned: true };
}

/** A self-signed ECDSA P-256 certificate for `hostname`, valid for ten years. */
export async function generateSelfSigned(hostname: string): Promise<{ cert: string; key: string }> {
  // Loaded only when a certificate must be made (first start): the X.509 library costs ~20 MB.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=${hostname}`,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 10 * 365 * 86400_000),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: hostname }]),
      new x509.BasicConstraintsExtension(false),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const key = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
  return { cert: cert.toString('pem'), key };
}

function readPem(file: string, key: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new LoftError(
      'INVALID',
      `${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
}

function makeContext(cert: string, key: string, source: string): SecureContext {
  try {
    return createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
  } catch (err) {
    throw new LoftError('INVALID', `${source}: not a usable certificate and key: ${(err as Error).message}`);
  }
}

function writeAtomic(file: string, content: string, mode: number): void {
  const temp = `${file}.tmp`;
  writeFileSync(temp, content, { mode });
  renameSync(temp, file);
}
