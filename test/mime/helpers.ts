/** Shared helpers of the MIME tests: fixtures, slicing and the structural invariants. */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { MessageStructure, MimePart } from '../../src/mime/types.ts';

/** The bytes of `test/mime/fixtures/<name>`. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
}

/** The bytes `[start, end)` as a Latin-1 string (one char per byte, so 8-bit bytes compare exactly). */
export function slice(raw: Buffer, start: number, end: number): string {
  return raw.toString('latin1', start, end);
}

/** `text` as the Latin-1 string of its UTF-8 bytes, to compare with {@link slice}. */
export function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function countLf(raw: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (raw[i] === 0x0a) n++;
  return n;
}

/**
 * Asserts the invariants every indexed message keeps: offsets inside the buffer and nested
 * (children inside their parent's body, in order; an encapsulated message exactly the body of its
 * part), the root spanning the whole message, line counts equal to the LF counts, lower-case
 * non-empty types, children only on multiparts and messages only on message/* parts.
 */
export function assertInvariants(raw: Buffer, s: MessageStructure): void {
  assert.equal(s.version, 1);
  assert.equal(s.size, raw.length);
  assert.equal(s.root.headerStart, 0);
  assert.equal(s.root.bodyEnd, raw.length);
  checkPart(raw, s.root);
}

function checkPart(raw: Buffer, p: MimePart): void {
  assert.ok(Number.isInteger(p.headerStart) && p.headerStart >= 0, `headerStart ${p.headerStart}`);
  assert.ok(p.headerStart <= p.bodyStart, `headerStart ${p.headerStart} > bodyStart ${p.bodyStart}`);
  assert.ok(p.bodyStart <= p.bodyEnd, `bodyStart ${p.bodyStart} > bodyEnd ${p.bodyEnd}`);
  assert.ok(p.bodyEnd <= raw.length, `bodyEnd ${p.bodyEnd} > ${raw.length}`);
  assert.equal(p.headerLines, countLf(raw, p.headerStart, p.bodyStart));
  if (p.bodyLines !== undefined) assert.equal(p.bodyLines, countLf(raw, p.bodyStart, p.bodyEnd));
  assert.match(p.type, /^[^A-Z]+$/);
  assert.match(p.subtype, /^[^A-Z]+$/);
  const wantsLines = p.type === 'text' || (p.type === 'message' && ['rfc822', 'global'].includes(p.subtype));
  assert.equal(p.bodyLines !== undefined, wantsLines, `bodyLines on ${p.type}/${p.subtype}`);
  if (p.children !== undefined) {
    assert.equal(p.type, 'multipart');
    assert.equal(p.message, undefined);
    let previousEnd = p.bodyStart;
    for (const child of p.children) {
      assert.ok(child.headerStart >= previousEnd, `child at ${child.headerStart} overlaps ${previousEnd}`);
      assert.ok(child.bodyEnd <= p.bodyEnd, `child ends ${child.bodyEnd} after parent ${p.bodyEnd}`);
      checkPart(raw, child);
      previousEnd = child.bodyEnd;
    }
  }
  if (p.message !== undefined) {
    assert.equal(p.type, 'message');
    assert.equal(p.message.root.headerStart, p.bodyStart);
    assert.equal(p.message.root.bodyEnd, p.bodyEnd);
    checkPart(raw, p.message.root);
  }
}

/** Every part of the tree, depth-first (multipart children and encapsulated roots). */
export function allParts(root: MimePart): MimePart[] {
  const out: MimePart[] = [];
  const visit = (p: MimePart): void => {
    out.push(p);
    for (const c of p.children ?? []) visit(c);
    if (p.message !== undefined) visit(p.message.root);
  };
  visit(root);
  return out;
}
