/**
 * No test may use the machine's DNS: tests ask their own DNS server through Loft's Resolver, and
 * only src/dns talks to node:dns (scripts/check-imports.ts checks src; this checks test/).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '..');

test('no test file imports node:dns or calls dns.lookup', async () => {
  const offenders: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (file === import.meta.filename) continue;
    const source = await readFile(file, 'utf8');
    if (/from\s+['"](node:)?dns(\/promises)?['"]|require\(\s*['"](node:)?dns/.test(source)) {
      offenders.push(path.relative(root, file));
    }
  }
  assert.deepEqual(offenders, [], 'use test/helpers/dns-server.ts and a NodeResolver pointed at it');
});
