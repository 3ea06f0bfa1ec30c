/**
 * Nothing acknowledged is ever lost: a Loft process killed with SIGKILL while messages stream in
 * keeps every message that got 250; a full disk gets 452 4.3.1, never 250, and the server
 * recovers when space returns.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openServices } from '../../src/open-services.ts';
import { runLoft, serveLoft } from '../helpers/process.ts';
import { sendOne } from '../helpers/smtp-send.ts';

async function subjectsIn(dataDir: string, address: string): Promise<Set<string>> {
  const services = await openServices(dataDir);
  try {
    const account = await services.directory.getAccount(address);
    assert.ok(account);
    const inbox = await services.store.getMailbox(account.id, 'INBOX');
    assert.ok(inbox);
    const subjects = new Set<string>();
    for (const message of await services.store.listMessages(inbox.id)) {
      const raw = (await services.blobs.read(message.blobId)).toString();
      const match = /^Subject: (.*)\r$/m.exec(raw);
      assert.ok(match, 'every stored message is whole');
      subjects.add(match[1]!);
    }
    return subjects;
  } finally {
    await services.store.close();
  }
}

test('SIGKILL while messages stream in loses no acknowledged message', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'loft-crash-'));
  try {
    assert.equal((await runLoft(['domain', 'add', 'crash.test', '--data', dataDir])).code, 0);
    const added = await runLoft(
      ['user', 'add', 'u@crash.test', '--password-stdin', '--data', dataDir],
      'pw\n',
    );
    assert.equal(added.code, 0, added.stderr);
    const server = await serveLoft(dataDir, ['smtp']);
    const port = server.ports.smtp!;
    const acknowledged: string[] = [];
    let next = 0;
    let killed = false;
    const worker = async (): Promise<void> => {
      while (!killed) {
        const subject = `msg-${next++}`;
        const code = await sendOne(
          port,
          'sender@example.com',
          'u@crash.test',
          `Subject: ${subject}\r\n\r\n${'x'.repeat(70).concat('\r\n').repeat(30)}`,
        );
        if (code === 250) acknowledged.push(subject);
      }
    };
    const workers = Array.from({ length: 20 }, worker);
    // Let a good number of messages through, then kill the process mid-stream.
    const deadline = Date.now() + 30_000;
    while (acknowledged.length < 150 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(acknowledged.length >= 150, `only ${acknowledged.length} messages acknowledged in 30 s`);
    await server.stop('SIGKILL');
    killed = true;
    await Promise.all(workers);

    // Restart: the server comes up on the same data folder.
    const again = await serveLoft(dataDir, ['smtp']);
    assert.equal(
      await sendOne(again.ports.smtp!, 'a@example.com', 'u@crash.test', 'Subject: after-restart\r\n\r\nhi'),
      250,
    );
    await again.stop();

    const stored = await subjectsIn(dataDir, 'u@crash.test');
    const lost = acknowledged.filter((s) => !stored.has(s));
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged messages lost`);
    assert.ok(stored.has('after-restart'));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a full disk gets 452 4.3.1, never 250, and delivery resumes when space returns', async () => {
  const mountPoint = await mkdtemp(path.join(os.tmpdir(), 'loft-full-'));
  // A real, small filesystem (needs root, as CI and the development machines run).
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
  try {
    const dataDir = path.join(mountPoint, 'data');
    await mkdir(dataDir);
    assert.equal((await runLoft(['domain', 'add', 'full.test', '--data', dataDir])).code, 0);
    assert.equal(
      (await runLoft(['user', 'add', 'u@full.test', '--password-stdin', '--data', dataDir], 'pw\n')).code,
      0,
    );
    const server = await serveLoft(dataDir, ['smtp']);
    const port = server.ports.smtp!;
    assert.equal(await sendOne(port, 'a@example.com', 'u@full.test', 'Subject: before\r\n\r\nok'), 250);
    // Fill the filesystem to the last block.
    const filler = path.join(mountPoint, 'filler');
    await writeFile(filler, Buffer.alloc(0));
    try {
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let i = 0; i < 200; i++) await writeFile(filler, chunk, { flag: 'a' });
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    }
    const codes: (number | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      codes.push(
        await sendOne(
          port,
          'a@example.com',
          'u@full.test',
          `Subject: full-${i}\r\n\r\n${'y'.repeat(78).concat('\r\n').repeat(300)}`,
        ),
      );
    }
    assert.ok(
      codes.every((c) => c === 452),
      `replies on a full disk: ${codes.join(', ')}`,
    );
    await rm(filler);
    assert.equal(await sendOne(port, 'a@example.com', 'u@full.test', 'Subject: after\r\n\r\nok'), 250);
    await server.stop();
    const stored = await subjectsIn(dataDir, 'u@full.test');
    assert.deepEqual([...stored].sort(), ['after', 'before']);
  } finally {
    execFileSync('umount', ['-l', mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  }
});
