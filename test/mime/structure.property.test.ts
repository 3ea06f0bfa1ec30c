/**
 * Property tests of the MIME indexer: generated MIME trees are found again byte-exact; random,
 * MIME-like and mutated messages never throw and always give well-nested offsets.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeStructure, encodeStructure } from '../../src/mime/codec.ts';
import { indexMessage } from '../../src/mime/structure.ts';
import { extractText } from '../../src/mime/text.ts';
import type { MimePart } from '../../src/mime/types.ts';
import { assertInvariants, fixture, slice } from './helpers.ts';

/** A MIME tree to serialize: the model the indexer must find again. */
type Node =
  | { kind: 'leaf'; type: string; body: string[] }
  | { kind: 'multi'; subtype: string; children: Node[]; preamble: string[]; epilogue: string[] }
  | { kind: 'message'; subject: string; inner: Node };

/** Body lines that are never boundary lines: words, blank lines, lone dashes, signatures. */
const line = fc.oneof(
  fc.stringMatching(/^[a-z][a-z ]{0,20}$/),
  fc.constantFrom('', '-', '-- ', '--', '---', '-x', '--nope', ' --b0', 'From: x', 'a: b'),
);
const lines = fc.array(line, { maxLength: 4 });

const tree: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      kind: fc.constant('leaf' as const),
      type: fc.constantFrom('text/plain', 'text/html', 'application/octet-stream', 'image/png'),
      body: lines,
    }),
    fc.record({
      kind: fc.constant('multi' as const),
      subtype: fc.constantFrom('mixed', 'alternative', 'related'),
      children: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
      preamble: lines,
      epilogue: lines,
    }),
    fc.record({
      kind: fc.constant('message' as const),
      subject: fc.stringMatching(/^[a-z]{1,8}$/),
      inner: tie('node'),
    }),
  ),
})).node;

/** Serializes `node` with line ends `eol`; boundaries are numbered so no two are equal. */
function serialize(node: Node, eol: string, counter: { n: number }, extraHeader = ''): string {
  if (node.kind === 'leaf')
    return `${extraHeader}Content-Type: ${node.type}${eol}${eol}${node.body.join(eol)}`;
  if (node.kind === 'message') {
    const inner = serialize(node.inner, eol, counter, `Subject: ${node.subject}${eol}`);
    return `${extraHeader}Content-Type: message/rfc822${eol}${eol}${inner}`;
  }
  const b = `b${counter.n++}=_${'x'.repeat(counter.n % 3)}`;
  let out = `${extraHeader}Content-Type: multipart/${node.subtype}; boundary="${b}"${eol}${eol}`;
  if (node.preamble.length > 0) out += node.preamble.join(eol) + eol;
  for (const child of node.children) out += `--${b}${eol}${serialize(child, eol, counter)}${eol}`;
  out += `--${b}--${eol}${node.epilogue.join(eol)}`;
  return out;
}

function expectTree(raw: Buffer, node: Node, part: MimePart, eol: string): void {
  if (node.kind === 'leaf') {
    assert.equal(`${part.type}/${part.subtype}`, node.type);
    assert.equal(slice(raw, part.bodyStart, part.bodyEnd), node.body.join(eol));
    if (part.type === 'text') assert.equal(part.bodyLines, Math.max(0, node.body.length - 1));
    return;
  }
  if (node.kind === 'message') {
    assert.equal(`${part.type}/${part.subtype}`, 'message/rfc822');
    assert.ok(part.message !== undefined, 'message parsed');
    assert.equal(part.message.envelope.subject, node.subject);
    expectTree(raw, node.inner, part.message.root, eol);
    return;
  }
  assert.equal(`${part.type}/${part.subtype}`, `multipart/${node.subtype}`);
  assert.equal(part.children?.length, node.children.length);
  node.children.forEach((child, i) => {
    expectTree(raw, child, part.children![i]!, eol);
  });
}

/** Pieces of MIME syntax, to build messages that reach the indexer's deeper paths. */
const SOUP = [
  '\r\n',
  '\n',
  '\r',
  '--',
  '--a',
  '--a--',
  '--ab',
  '--b',
  '-',
  ' ',
  '\t',
  ':',
  ';',
  '"',
  'x',
  'Content-Type: multipart/mixed; boundary=a\r\n',
  'Content-Type: multipart/digest; boundary="ab"\n',
  'Content-Type: multipart/alternative; boundary=b\r\n',
  'Content-Type: message/rfc822\r\n',
  'Content-Type: message/global\n',
  'Content-Transfer-Encoding: base64\r\n',
  "Content-Type: text/plain; charset*0*=utf-8''%C3; charset*1=x\r\n",
  'From: "a" <b@c>, (x) d@e, g: h@i;\r\n',
  'Subject: =?utf-8?q?x?=\r\n',
  '\r\n\r\n',
  '\u00e9',
  '\u00ff\u00fe',
];
const soup = fc
  .array(fc.constantFrom(...SOUP), { maxLength: 120 })
  .map((pieces) => Buffer.from(pieces.join(''), 'latin1'));

function checkAll(raw: Buffer): void {
  const s = indexMessage(raw);
  assertInvariants(raw, s);
  assert.equal(s.limited, undefined);
  assert.deepEqual(decodeStructure(encodeStructure(s)), s);
  const text = extractText(raw, s, { maxLength: 5000 });
  assert.ok(text.body.length <= 5000 && text.headers.length <= 5000);
}

const FIXTURES = [
  'nested.eml',
  'rfc822-attachment.eml',
  'digest.eml',
  'missing-final-boundary.eml',
  'boundary-quoted.eml',
  'lf-only.eml',
  'rfc2231.eml',
  'header-cut-by-boundary.eml',
];

/** A mutation of a message: truncate, delete, insert or duplicate bytes, or turn CRLF into LF. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.uint8Array({ maxLength: 8 }),
      fc.constantFrom(...SOUP).map((x) => Buffer.from(x, 'latin1')),
    ),
  }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant('lf' as const) }),
);

function mutate(raw: Buffer, m: Mutation): Buffer {
  const at = 'at' in m ? m.at % (raw.length + 1) : 0;
  switch (m.op) {
    case 'truncate':
      return raw.subarray(0, at);
    case 'delete':
      return Buffer.concat([raw.subarray(0, at), raw.subarray(at + m.n)]);
    case 'insert':
      return Buffer.concat([raw.subarray(0, at), Buffer.from(m.bytes), raw.subarray(at)]);
    case 'duplicate':
      return Buffer.concat([raw.subarray(0, at + m.n), raw.subarray(at)]);
    case 'lf':
      return Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
  }
}
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

describe('indexMessage properties', () => {
  it('finds generated MIME trees again, byte-exact, with CRLF or LF line ends', () => {
    fc.assert(
      fc.property(tree, fc.constantFrom('\r\n', '\n'), (node, eol) => {
        const raw = Buffer.from(`From: gen@example.org${eol}${serialize(node, eol, { n: 0 })}`, 'latin1');
        const s = indexMessage(raw);
        assertInvariants(raw, s);
        expectTree(raw, node, s.root, eol);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on random bytes; offsets stay nested', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        checkAll(Buffer.from(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on MIME-like soup; offsets stay nested', () => {
    fc.assert(
      fc.property(soup, (raw) => {
        checkAll(raw);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on mutated fixtures; offsets stay nested', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FIXTURES),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (name, ms) => {
          let raw = fixture(name);
          for (const m of ms) raw = mutate(raw, m);
          checkAll(raw);
        },
      ),
      { numRuns: 600 },
    );
  });
});
