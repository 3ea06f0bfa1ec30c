/**
 * Property tests of the FETCH data: random, MIME-like and mutated messages never make any
 * function throw; every section lies inside the message; BODY is BODYSTRUCTURE without extension
 * data; the body structure's part numbering and sizes agree with BODY[part]; the header filter
 * partitions a header; BINARY.SIZE is the length of BINARY.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseHeaderBlock } from '../../../../src/mime/header.ts';
import { walkParts } from '../../../../src/mime/section.ts';
import { indexMessage } from '../../../../src/mime/structure.ts';
import type { MessageStructure } from '../../../../src/mime/types.ts';
import { binaryBytes, binarySize } from '../../../../src/proto/imap/fetch/binary.ts';
import { body, bodyStructure } from '../../../../src/proto/imap/fetch/bodystructure.ts';
import { envelope } from '../../../../src/proto/imap/fetch/envelope.ts';
import { preview } from '../../../../src/proto/imap/fetch/preview.ts';
import {
  applyPartial,
  headerFields,
  planSection,
  type SectionKind,
  type SectionSpec,
  sectionBytes,
} from '../../../../src/proto/imap/fetch/sections.ts';
import type { ImapValue } from '../../../../src/proto/imap/value.ts';

type Node =
  | { kind: 'leaf'; type: string; encoding: string; disposition: string; body: string[] }
  | { kind: 'multi'; subtype: string; children: Node[]; preamble: string[] }
  | { kind: 'message'; subject: string; inner: Node };

const line = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9+/= ]{0,30}$/),
  fc.constantFrom('', '-', '--', '-- ', '=C3=A9', '=', 'From: x', 'a: b', '\t folded', '<p>x</p>'),
);
const lines = fc.array(line, { maxLength: 4 });

const tree: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      kind: fc.constant('leaf' as const),
      type: fc.constantFrom(
        'text/plain',
        'text/html',
        'application/octet-stream',
        'image/png',
        'message/rfc822',
      ),
      encoding: fc.constantFrom('', '7bit', 'base64', 'quoted-printable', 'x-unknown', '8bit'),
      disposition: fc.constantFrom('', 'inline', 'attachment; filename=a.txt'),
      body: lines,
    }),
    fc.record({
      kind: fc.constant('multi' as const),
      subtype: fc.constantFrom('mixed', 'alternative', 'digest'),
      children: fc.array(tie('node'), { maxLength: 3 }),
      preamble: lines,
    }),
    fc.record({
      kind: fc.constant('message' as const),
      subject: fc.stringMatching(/^[a-z ]{0,8}$/),
      inner: tie('node'),
    }),
  ),
})).node;

function serialize(node: Node, eol: string, counter: { n: number }, extra = ''): string {
  if (node.kind === 'leaf') {
    let header = `${extra}Content-Type: ${node.type}${eol}`;
    if (node.encoding !== '') header += `Content-Transfer-Encoding: ${node.encoding}${eol}`;
    if (node.disposition !== '') header += `Content-Disposition: ${node.disposition}${eol}`;
    return `${header}${eol}${node.body.join(eol)}`;
  }
  if (node.kind === 'message') {
    const inner = serialize(node.inner, eol, counter, `Subject: ${node.subject}${eol}From: a@b${eol}`);
    return `${extra}Content-Type: message/rfc822${eol}${eol}${inner}`;
  }
  const b = `b${counter.n++}`;
  let out = `${extra}Content-Type: multipart/${node.subtype}; boundary="${b}"${eol}${eol}`;
  if (node.preamble.length > 0) out += node.preamble.join(eol) + eol;
  for (const child of node.children) out += `--${b}${eol}${serialize(child, eol, counter)}${eol}`;
  return `${out}--${b}--${eol}`;
}

const mimeMessage = fc.tuple(tree, fc.constantFrom('\r\n', '\n'), fc.boolean()).map(([node, eol, cut]) => {
  const raw = Buffer.from(serialize(node, eol, { n: 0 }, `From: x@y${eol}To: g: a@b, c@d;${eol}`), 'latin1');
  return cut ? raw.subarray(0, Math.floor(raw.length * 0.7)) : raw;
});

const fixtures = readdirSync(new URL('../../../mime/fixtures/', import.meta.url))
  .filter((name) => name.endsWith('.eml'))
  .map((name) => readFileSync(new URL(`../../../mime/fixtures/${name}`, import.meta.url)));

/** A fixture with random bytes overwritten, inserted or removed. */
const mutated = fc
  .tuple(
    fc.constantFrom(...fixtures),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(3))),
  )
  .map(([raw, edits]) => {
    let out = Buffer.from(raw);
    for (const [at, byte, op] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (op === 0) out[i] = byte;
      else if (op === 1) out = Buffer.concat([out.subarray(0, i), Buffer.from([byte]), out.subarray(i)]);
      else out = Buffer.concat([out.subarray(0, i), out.subarray(i + 1)]);
    }
    return out;
  });

const anyMessage = fc.oneof(
  mimeMessage,
  mutated,
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);

const KINDS: (SectionKind | undefined)[] = [
  undefined,
  'HEADER',
  'HEADER.FIELDS',
  'HEADER.FIELDS.NOT',
  'TEXT',
  'MIME',
];

/** Every part number of the message, plus a few that do not exist. */
function paths(s: MessageStructure): number[][] {
  const out: number[][] = [[], [1], [2, 1], [9]];
  walkParts(s, (_part, path) => {
    out.push([...path], [...path, 1], [...path, 7]);
  });
  return out;
}

/** BODYSTRUCTURE without extension data, per the ABNF shape of each body. */
function strip(value: ImapValue): ImapValue {
  const list = value as ImapValue[];
  if (Array.isArray(list[0])) {
    const children = list.filter((item, i) => Array.isArray(item) && list.slice(0, i).every(Array.isArray));
    return [...children.map(strip), list[children.length]!];
  }
  if (list[0] === 'TEXT') return list.slice(0, 8);
  if (list[0] === 'MESSAGE' && Array.isArray(list[7])) {
    // body-type-msg: the envelope follows body-fields (a basic type has body-fld-md5 there).
    return [...list.slice(0, 8), strip(list[8]!), list[9]!];
  }
  return list.slice(0, 7);
}

/** ASCII upper case, as the body structure writes MIME tokens. */
const upper = (token: string): string => token.replace(/[a-z]/g, (c) => c.toUpperCase());
const isMultipart = (node: ImapValue[]): boolean => Array.isArray(node[0]);
const isMessage = (node: ImapValue[]): boolean => node[0] === 'MESSAGE' && node.length === 10;

/** The node of a BODY value that an IMAP part number names (RFC 9051 §6.4.5 numbering). */
function navigate(top: ImapValue[], path: readonly number[]): ImapValue[] | undefined {
  let node = top;
  let root = true;
  for (const [i, n] of path.entries()) {
    if (isMultipart(node)) {
      const child = node[n - 1];
      if (!Array.isArray(child)) return undefined;
      node = child as ImapValue[];
    } else if (!(root && n === 1)) {
      return undefined;
    }
    root = false;
    if (i < path.length - 1 && isMessage(node)) {
      node = node[8] as ImapValue[];
      root = true;
    }
  }
  return node;
}

describe('FETCH data properties', () => {
  it('nothing throws, and every section lies inside the message', () => {
    fc.assert(
      fc.property(anyMessage, fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }), (raw, names) => {
        const s = indexMessage(raw);
        envelope(s.envelope);
        body(s);
        bodyStructure(s, { imap4rev2: true });
        const text = preview(raw, s);
        assert.ok(text === null || [...text].length <= 200);
        for (const part of paths(s)) {
          for (const kind of KINDS) {
            const spec: SectionSpec = { part, kind, fields: names };
            const plan = planSection(s, spec);
            if (plan.found) {
              assert.ok(plan.range.start >= 0 && plan.range.start <= plan.range.end, JSON.stringify(plan));
              assert.ok(plan.range.end <= raw.length, JSON.stringify(plan));
            }
            const data = sectionBytes(raw, s, spec);
            assert.equal(data === null, !plan.found);
            const partial = { origin: 3, count: 5 };
            const sliced = sectionBytes(raw, s, spec, partial);
            assert.deepEqual(sliced, data === null ? null : applyPartial(data, partial));
          }
          const binary = binaryBytes(raw, s, part);
          const size = binarySize(raw, s, part);
          if (binary.kind === 'ok') assert.deepEqual(size, { kind: 'ok', size: binary.data.length });
          else assert.deepEqual(size, binary);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('BODY is BODYSTRUCTURE without its extension data', () => {
    fc.assert(
      fc.property(anyMessage, fc.boolean(), (raw, rev2) => {
        const s = indexMessage(raw);
        assert.deepEqual(
          body(s, { imap4rev2: rev2 }),
          strip(bodyStructure(s, { imap4rev2: rev2 }) as ImapValue),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('the body structure numbers parts as BODY[part] does, with the same sizes and types', () => {
    fc.assert(
      fc.property(fc.oneof(mimeMessage, mutated), (raw) => {
        const s = indexMessage(raw);
        const top = body(s, { imap4rev2: true }) as ImapValue[];
        walkParts(s, (part, path) => {
          let node = navigate(top, path);
          assert.ok(node !== undefined, `no body for ${path.join('.')}`);
          if (part.children !== undefined && isMessage(node)) node = node[8] as ImapValue[];
          if (part.children !== undefined) {
            assert.ok(isMultipart(node));
            assert.equal(node[Math.max(1, part.children.length)], upper(part.subtype));
            return;
          }
          assert.equal(node[0], upper(part.type));
          assert.equal(node[1], upper(part.subtype));
          const content = sectionBytes(raw, s, { part: path });
          assert.ok(content !== null);
          assert.equal(node[6], content.length, `octets of ${path.join('.')}`);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('HEADER.FIELDS and HEADER.FIELDS.NOT of the same names partition the header', () => {
    const fieldName = fc.constantFrom('From', 'to', 'SUBJECT', 'X-A', 'x-a', 'Received', 'Bad Name');
    const field = fc
      .tuple(fieldName, fc.stringMatching(/^[ -~]{0,10}$/), fc.boolean())
      .map(([name, value, folded]) => `${name}:${value}${folded ? '\r\n\tmore' : ''}\r\n`);
    fc.assert(
      fc.property(
        fc.array(field, { maxLength: 8 }),
        fc.array(fieldName, { maxLength: 3 }),
        fc.boolean(),
        (fields, names, blank) => {
          const header = Buffer.from(fields.join('') + (blank ? '\r\n' : ''));
          const all = headerFields(header, [], true);
          const yes = headerFields(header, names, false);
          const no = headerFields(header, names, true);
          const blankLength = blank ? 2 : 0;
          assert.equal(yes.length + no.length - blankLength, all.length);
          assert.equal(all.length, header.length);
          const wanted = new Set(names.map((n) => n.toLowerCase()));
          for (const f of parseHeaderBlock(yes, 0).fields) assert.ok(wanted.has(f.name.toLowerCase()));
          for (const f of parseHeaderBlock(no, 0).fields) assert.ok(!wanted.has(f.name.toLowerCase()));
          if (blank) assert.ok(yes.subarray(yes.length - 2).equals(Buffer.from('\r\n')));
        },
      ),
      { numRuns: 300 },
    );
  });
});
