/**
 * The mail-authentication commands as users run them: `loft domain add` makes DKIM keys,
 * `loft domain dkim show|rotate`, and `loft dns records`; the keys land in the store.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runLoft } from '../helpers/process.ts';

let dataDir: string;
let configFile: string;
const loft = (args: string[]) => runLoft([...args, '--data', dataDir, '--config', configFile]);
const month = new Date().toISOString().slice(0, 7).replace('-', '');

before(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'loft-cli-dkim-'));
  configFile = path.join(dataDir, 'loft.toml');
  await writeFile(
    configFile,
    'hostname = "mx.loft.test"\n[listen]\npop3 = []\npop3s = []\nimap = ["0.0.0.0:1143"]\n',
  );
});
after(() => rm(dataDir, { recursive: true, force: true }));

test('domain add makes an RSA and an Ed25519 key; show lists them with their records', async () => {
  const added = await loft(['domain', 'add', 'Example.TEST']);
  assert.equal(added.code, 0, added.stderr);
  assert.match(
    added.stdout,
    new RegExp(`^loft-rsa-${month}\\trsa-sha256\\tactive\\tcreated \\d{4}-\\d\\d-\\d\\d\\n`),
  );
  assert.match(added.stdout, new RegExp(`\\nloft-ed-${month}\\ted25519-sha256\\tactive\\t`));
  const shown = await loft(['domain', 'dkim', 'show', 'example.test']);
  assert.equal(shown.code, 0, shown.stderr);
  const lines = shown.stdout.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.match(
    lines[2]!,
    new RegExp(
      `^loft-ed-${month}\\._domainkey\\.example\\.test TXT v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$`,
    ),
  );
  assert.match(
    lines[3]!,
    new RegExp(`^loft-rsa-${month}\\._domainkey\\.example\\.test TXT v=DKIM1; k=rsa; p=MIIBIjAN`),
  );
});

test('rotate retires the keys in use and makes new ones under fresh selectors', async () => {
  const rotated = await loft(['domain', 'dkim', 'rotate', 'example.test']);
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, new RegExp(`^loft-rsa-${month}-2\\trsa-sha256\\tactive`));
  const shown = (await loft(['domain', 'dkim', 'show', 'example.test'])).stdout.trim().split('\n');
  assert.deepEqual(
    shown.slice(0, 4).map((l) =>
      l
        .split('\t')
        .slice(0, 3)
        .join(' ')
        .replace(/retired \S+/, 'retired'),
    ),
    [
      `loft-ed-${month}-2 ed25519-sha256 active`,
      `loft-rsa-${month}-2 rsa-sha256 active`,
      `loft-ed-${month} ed25519-sha256 retired`,
      `loft-rsa-${month} rsa-sha256 retired`,
    ],
  );
  assert.equal(shown.length, 6, 'records of the two active keys only');
});

test('dns records: zone-file lines for MX, SPF, the active DKIM keys, DMARC and SRV with the configured ports', async () => {
  const result = await loft(['dns', 'records', 'example.test']);
  assert.equal(result.code, 0, result.stderr);
  const records = result.stdout.split('\n').filter((l) => l !== '' && !l.startsWith(';'));
  assert.deepEqual(
    records.map((l) => l.split('\t').slice(0, 4).join(' ')),
    [
      'example.test. 3600 IN MX',
      'example.test. 3600 IN TXT',
      `loft-ed-${month}-2._domainkey.example.test. 3600 IN TXT`,
      `loft-rsa-${month}-2._domainkey.example.test. 3600 IN TXT`,
      '_dmarc.example.test. 3600 IN TXT',
      '_submission._tcp.example.test. 3600 IN SRV',
      '_submissions._tcp.example.test. 3600 IN SRV',
      '_imap._tcp.example.test. 3600 IN SRV',
      '_imaps._tcp.example.test. 3600 IN SRV',
      '_pop3._tcp.example.test. 3600 IN SRV',
      '_pop3s._tcp.example.test. 3600 IN SRV',
    ],
  );
  assert.match(result.stdout, /\nexample\.test\.\t3600\tIN\tMX\t10 mx\.loft\.test\.\n/);
  assert.match(
    result.stdout,
    /\n_submission\._tcp\.example\.test\.\t3600\tIN\tSRV\t0 1 587 mx\.loft\.test\.\n/,
  );
  assert.match(result.stdout, /\n_imap\._tcp\.example\.test\.\t3600\tIN\tSRV\t0 1 1143 mx\.loft\.test\.\n/);
  assert.match(result.stdout, /\n_pop3s\._tcp\.example\.test\.\t3600\tIN\tSRV\t0 0 0 \.\n/);
  assert.match(result.stdout, new RegExp(`; retired \\d{4}-\\d\\d-\\d\\d: loft-rsa-${month} `));
});

test('unknown domains: one line and a non-zero exit', async () => {
  for (const args of [
    ['domain', 'dkim', 'show', 'missing.test'],
    ['domain', 'dkim', 'rotate', 'missing.test'],
    ['dns', 'records', 'missing.test'],
  ]) {
    const result = await loft(args);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr.trim(), /^loft: (unknown|no) domain missing\.test$/);
  }
});
