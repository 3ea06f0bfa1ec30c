/**
 * Message bodies as files in the data folder: `blobs/<YYYYMMDD>/<HHMM>/<random>`.
 * A minute's bucket keeps concurrent writes in one directory, so their directory fsyncs are
 * shared (see {@link DirSyncer}), and no directory grows without bound.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs';
import { mkdir, open, opendir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fromSystemError, LoftError } from '../../core/errors.ts';
import type { BlobRef, BlobStore } from './blob-store.ts';
import { DirSyncer } from './dir-sync.ts';

const ID_PATTERN = /^(\d{8})-(\d{4})-([0-9a-z]{20,32})$/;

export class FileBlobStore implements BlobStore {
  readonly #root: string;
  readonly #dirSync = new DirSyncer();
  /** Bucket directories known to exist durably. */
  readonly #knownDirs = new Set<string>();
  readonly #now: () => Date;

  constructor(root: string, options: { now?: () => Date } = {}) {
    this.#root = root;
    this.#now = options.now ?? (() => new Date());
  }

  /** A fresh blob id in the current minute's bucket. */
  newId(): string {
    const iso = this.#now().toISOString();
    const day = iso.slice(0, 10).replaceAll('-', '');
    const minute = iso.slice(11, 16).replace(':', '');
    return `${day}-${minute}-${uniqueName()}`;
  }

  async put(chunks: readonly Buffer[]): Promise<BlobRef> {
    const id = this.newId();
    const file = this.#pathOf(id);
    const dir = path.dirname(file);
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    try {
      await this.#ensureDir(dir);
      // One call: open exclusively, write, fsync (flush), close — the callback API costs the
      // event loop much less than a FileHandle per message.
      await new Promise<void>((resolve, reject) =>
        writeFile(file, data, { flag: 'wx', flush: true }, (err) => (err ? reject(err) : resolve())),
      );
      await this.#dirSync.sync(dir);
      return { id, size: data.length };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await unlink(file).catch(() => {});
      throw fromSystemError(err, 'writing message file');
    }
  }

  async read(id: string, start?: number, end?: number): Promise<Buffer> {
    const file = this.#pathOf(id);
    try {
      if (start === undefined && end === undefined) return await readFile(file);
      const handle = await open(file, 'r');
      try {
        const from = start ?? 0;
        const to = end ?? (await handle.stat()).size;
        const buffer = Buffer.alloc(Math.max(0, to - from));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
        return bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new LoftError('NOTFOUND', `blob ${id} is missing`);
      throw fromSystemError(err, 'reading message file');
    }
  }

  async readMany(ids: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    for (const id of ids) out.set(id, await this.read(id));
    return out;
  }

  /** Removes a blob's file; a blob without one (inline, or removed already) is no error. */
  async remove(id: string): Promise<void> {
    try {
      // unlink, not rm: rm({ force }) first checks the path with an lstat of its own, and most
      // bodies (inline ones) have no file at all.
      await unlink(this.#pathOf(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw fromSystemError(err, 'removing message file');
    }
  }

  async *list(): AsyncIterable<{ id: string; createdAt: number }> {
    let days: string[];
    try {
      days = await readNames(this.#root);
    } catch {
      return;
    }
    for (const day of days) {
      for (const minute of await readNames(path.join(this.#root, day)).catch(() => [] as string[])) {
        for (const name of await readNames(path.join(this.#root, day, minute)).catch(() => [] as string[])) {
          const id = `${day}-${minute}-${name}`;
          if (ID_PATTERN.test(id)) yield { id, createdAt: bucketTime(day, minute) };
        }
      }
    }
  }

  #pathOf(id: string): string {
    const match = ID_PATTERN.exec(id);
    if (!match) throw new LoftError('INVALID', `not a blob id: ${id}`);
    return path.join(this.#root, match[1]!, match[2]!, match[3]!);
  }

  /** Creates the bucket directory and makes its entry durable in its parents (once per process). */
  async #ensureDir(dir: string): Promise<void> {
    if (this.#knownDirs.has(dir)) return;
    const dayDir = path.dirname(dir);
    const created = await mkdir(dir, { recursive: true });
    if (created !== undefined) {
      // New directories: fsync each parent whose entries changed.
      await this.#dirSync.sync(dayDir);
      await this.#dirSync.sync(this.#root);
      await this.#dirSync.sync(path.dirname(this.#root));
    }
    if (this.#knownDirs.size > 4096) this.#knownDirs.clear();
    this.#knownDirs.add(dir);
  }
}

/** The start of a minute bucket, from its directory names (UTC). */
function bucketTime(day: string, minute: string): number {
  return Date.UTC(
    Number(day.slice(0, 4)),
    Number(day.slice(4, 6)) - 1,
    Number(day.slice(6, 8)),
    Number(minute.slice(0, 2)),
    Number(minute.slice(2, 4)),
  );
}

/**
 * A name no other blob has: a random per-process prefix and a counter (cheaper than random
 * bytes per message; unique across processes sharing a folder, and across restarts).
 */
const processPrefix = randomBytes(8).toString('hex');
let counter = 0;
function uniqueName(): string {
  counter = (counter + 1) % 0xffffffff;
  return `${processPrefix}${counter.toString(16).padStart(8, '0')}`;
}

async function readNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of await opendir(dir)) names.push(entry.name);
  return names.sort();
}
