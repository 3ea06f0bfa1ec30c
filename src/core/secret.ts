/**
 * The server secret: random bytes kept in the data folder, created at first start. SCRAM derives
 * stable fake salts for unknown users from it, so every process and restart answers the same.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Reads `<dataDir>/secret.key`, creating it (32 random bytes, mode 0600) if absent. */
export function loadSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secret.key');
  try {
    const existing = readFileSync(file);
    if (existing.length >= 32) return existing;
  } catch {
    // created below
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, secret, { mode: 0o600 });
  renameSync(temp, file);
  return readFileSync(file);
}
