/** Edge cases of the MIME indexer: boundary matching rules, limits, and speed on big messages. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexMessage } from '../../src/mime/structure.ts';
import type { MimePart } from '../../src/mime/types.ts';
import { allParts, assertInvariants, slice } from './helpers.ts';

const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'latin1');
const body = (raw: Buffer, p: MimePart | undefined): string => slice(raw, p!.bodyStart, p!.bodyEnd);

function depthOf(p: MimePart): number {
  const below = [...(p.children ?? []), ...(p.message ? [p.message.root] : [])].map(depthOf);
  return 1 + Math.max(0, ...below);
}

describe('indexMessage: boundary matching (RFC 2046 §5.1.1, as Dovecot does)', () => {
  it('the longest matching open boundary wins: an outer "abc" line ends an inner "ab" multipart', () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=abc',
      '',
      '--abc',
      'Content-Type: multipart/alternative; boundary=ab',
      '',
      '--ab',
      'Content-Type: text/plain',
      '',
      'inner',
      '--abc',
      'Content-Type: text/plain',
      '',
      'outer second',
      '--abc--',
      '',
    );
    const s = indexMessage(raw);
    assertInvariants(raw, s);
    const [alt, second] = s.root.children!;
    assert.equal(alt?.children?.length, 1);
    assert.equal(body(raw, alt?.children?.[0]), 'inner');
    assert.equal(body(raw, second), 'outer second');
  });

  it('an inner "abc" boundary is not taken for the outer "ab" it starts with', () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=ab',
      '',
      '--ab',
      'Content-Type: multipart/alternative; boundary=abc',
      '',
      '--abc',
      'Content-Type: text/plain',
      '',
      'one',
      '--abc--',
      '--ab--',
      '',
    );
    const s = indexMessage(raw);
    assertInvariants(raw, s);
    assert.equal(s.root.children?.length, 1);
    assert.equal(body(raw, s.root.children?.[0]?.children?.[0]), 'one');
  });

  it('the same boundary nested: the innermost takes the line, then the outer goes on', () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=x',
      '',
      '--x',
      'Content-Type: multipart/alternative; boundary=x',
      '',
      '--x',
      'Content-Type: text/plain',
      '',
      'a',
      '--x--',
      '--x',
      'Content-Type: text/plain',
      '',
      'b',
      '--x--',
    );
    const s = indexMessage(raw);
    assertInvariants(raw, s);
    assert.equal(s.root.children?.length, 2);
    assert.equal(body(raw, s.root.children?.[0]?.children?.[0]), 'a');
    assert.equal(body(raw, s.root.children?.[1]), 'b');
  });

  it('text after the boundary on its line is ignored; lone "--" lines are content', () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b trailing garbage',
      '',
      '--',
      '-- ',
      '--c',
      '--b--garbage',
      'epilogue',
    );
    const s = indexMessage(raw);
    assertInvariants(raw, s);
    assert.equal(s.root.children?.length, 1);
    assert.equal(body(raw, s.root.children?.[0]), '--\r\n-- \r\n--c');
  });

  it('a boundary line at the very end without a line break starts an empty part', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'one', '--b');
    const s = indexMessage(raw);
    assertInvariants(raw, s);
    assert.equal(s.root.children?.length, 2);
    assert.equal(body(raw, s.root.children?.[0]), 'one');
    const last = s.root.children![1]!;
    assert.deepEqual([last.headerStart, last.bodyEnd], [raw.length, raw.length]);
  });

  it('an empty boundary parameter leaves the multipart unsplit', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=""', '', '--', 'x');
    const s = indexMessage(raw);
    assert.equal(s.root.children, undefined);
    assert.equal(body(raw, s.root), '--\r\nx');
  });

  it('8-bit boundaries are matched byte for byte (UTF-8 and Latin-1)', () => {
    for (const boundary of [Buffer.from('fr\u00e9', 'utf8'), Buffer.from([0x66, 0x72, 0xe9])]) {
      const raw = Buffer.concat([
        Buffer.from('Content-Type: multipart/mixed; boundary='),
        boundary,
        Buffer.from('\r\n\r\n--'),
        boundary,
        Buffer.from('\r\n\r\npart\r\n--'),
        boundary,
        Buffer.from('--\r\n'),
      ]);
      const s = indexMessage(raw);
      assertInvariants(raw, s);
      assert.equal(s.root.children?.length, 1);
      assert.equal(body(raw, s.root.children?.[0]), 'part');
    }
  });

  it('message/global is an encapsulated message too (RFC 6532 §3.7)', () => {
    const raw = crlf('Content-Type: message/global', '', 'Subject: inner', '', 'text');
    const s = indexMessage(raw);
    assert.equal(s.root.message?.envelope.subject, 'inner');
    assert.equal(body(raw, s.root.message?.root), 'text');
  });
});

describe('indexMessage: limits', () => {
  const nestedMultiparts = (levels: number): Buffer => {
    let text = '';
    for (let i = 0; i < levels; i++)
      text += `Content-Type: multipart/mixed; boundary=n${i}\r\n\r\n--n${i}\r\n`;
    return Buffer.from(`${text}Content-Type: text/plain\r\n\r\ndeep\r\n`);
  };

  it('beyond maxDepth, multiparts are opaque leaves that keep their type', () => {
    const raw = nestedMultiparts(6);
    const s = indexMessage(raw, { maxDepth: 3 });
    assertInvariants(raw, s);
    assert.equal(s.limited, true);
    assert.equal(depthOf(s.root), 4);
    const leaf = s.root.children![0]!.children![0]!.children![0]!;
    assert.equal(`${leaf.type}/${leaf.subtype}`, 'multipart/mixed');
    assert.equal(leaf.children, undefined);
    assert.ok(body(raw, leaf).endsWith('deep\r\n'));
  });

  it('absurd nesting (10 000 levels) stays within the default depth and does not blow the stack', () => {
    const raw = nestedMultiparts(10_000);
    const s = indexMessage(raw);
    assertInvariants(raw, s);
    assert.equal(s.limited, true);
    assert.equal(depthOf(s.root), 51);
  });

  it('nested messages count towards the depth', () => {
    const raw = Buffer.from(`${'Content-Type: message/rfc822\r\n\r\n'.repeat(10)}Subject: deepest\r\n\r\nx`);
    const s = indexMessage(raw, { maxDepth: 4 });
    assertInvariants(raw, s);
    assert.equal(s.limited, true);
    assert.equal(depthOf(s.root), 5);
  });

  it('beyond maxParts, the rest of the multipart is epilogue', () => {
    let text = 'Content-Type: multipart/mixed; boundary=p\r\n\r\n';
    for (let i = 0; i < 20; i++) text += `--p\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`;
    const raw = Buffer.from(`${text}--p--\r\n`);
    const s = indexMessage(raw, { maxParts: 5 });
    assertInvariants(raw, s);
    assert.equal(s.limited, true);
    assert.equal(allParts(s.root).length, 5);
    assert.equal(body(raw, s.root.children?.[3]), 'part 3');
    const all = indexMessage(Buffer.from(text.repeat(1) + '--p\r\n'.repeat(1500)));
    assert.equal(allParts(all.root).length, 1000);
  });
});

describe('indexMessage: speed', () => {
  const MB = 1024 * 1024;
  const time = (raw: Buffer): number => {
    indexMessage(raw); // warm up
    const t0 = performance.now();
    indexMessage(raw);
    return performance.now() - t0;
  };

  it('indexes a 20 MB message with a base64 attachment quickly', () => {
    const line = `${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0'}\r\n`;
    const attachment = line.repeat(Math.ceil((20 * MB) / line.length));
    const raw = Buffer.from(
      'From: big@example.org\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=big\r\n\r\n' +
        '--big\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n' +
        '--big\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
        attachment +
        '--big--\r\n',
    );
    const ms = time(raw);
    const s = indexMessage(raw);
    assert.equal(s.root.children?.length, 2);
    assert.equal(s.root.children?.[1]?.bodyEnd, raw.length - '\r\n--big--\r\n'.length);
    // The target is well under 100 ms; the bound is loose so that a slow CI machine does not flake.
    assert.ok(ms < 500, `took ${ms.toFixed(1)} ms`);
  });

  it('counts the lines of a 20 MB text part and scans a 20 MB header without a blank line quickly', () => {
    const text = Buffer.from(
      `Content-Type: text/plain\r\n\r\n${'some words of text on a line\r\n'.repeat((20 * MB) / 30)}`,
    );
    assert.ok(time(text) < 1000);
    const header = Buffer.from(
      'X-Junk: 0123456789 0123456789 0123456789 0123456789\r\n'.repeat((20 * MB) / 54),
    );
    assert.ok(time(header) < 1500);
  });
});
