/** Property-based tests of the framer and the parser (fast-check). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { astring, encodeValue } from '../../../src/proto/imap/encode.ts';
import { CommandFramer, type FrameEvent } from '../../../src/proto/imap/framer.ts';
import { encodeMutf7 } from '../../../src/proto/imap/mutf7.ts';
import { parseCommand, type SearchKey, type SeqRange } from '../../../src/proto/imap/parse/index.ts';
import { frame, ok, split } from './helpers.ts';

/** Octets biased towards IMAP syntax, so that random input reaches deep into the parser. */
const imapish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'A1 ',
        ' ',
        '(',
        ')',
        '[',
        ']',
        '<',
        '>',
        '"',
        '\\',
        '{',
        '}',
        '+',
        '~',
        '*',
        '%',
        '$',
        ':',
        ',',
        '.',
        '\r\n',
        '\r',
        '\n',
        '\0',
        '{3}\r\n',
        '{2+}\r\n',
        '~{1}\r\n',
        '{99999999999999999999}\r\n',
        'FETCH ',
        'SEARCH ',
        'SORT (',
        'REVERSE ',
        'UID ',
        'APPEND ',
        'LIST ',
        'STORE ',
        'SELECT ',
        'LOGIN ',
        'BODY[',
        'HEADER.FIELDS ',
        'OR ',
        'NOT ',
        'FLAGS ',
        'RETURN ',
        'CHARSET ',
        '1:*',
        '&AOk-',
        'INBOX',
        'NIL',
        '\xff',
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));

function parseEvents(events: FrameEvent[]): unknown[] {
  return events.map((e) => (e.kind === 'command' ? parseCommand(e.unit, { maxDepth: 8 }) : e));
}

describe('fuzzing the framer and the parser', () => {
  it('never throw on random bytes, and give the same events whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          imapish,
          fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
        ),
        fc.integer({ min: 1, max: 17 }),
        (input, size) => {
          const options = { maxLineLength: 64, maxLiteralSize: 16, maxCommandSize: 128 };
          const whole = parseEvents(frame(input, undefined, options));
          assert.deepEqual(parseEvents(frame(input, size, options)), whole);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('turn every complete line into one command or one BAD', () => {
    const line = fc
      .oneof(
        imapish,
        fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a)),
      )
      .map((b) =>
        Buffer.from(
          b
            .toString('latin1')
            .replaceAll('\r\n', '  ')
            .replace(/[+~]?\{[0-9]*\+?\}?$/, ''),
          'latin1',
        ),
      )
      .filter((b) => !/\}$/.test(b.toString('latin1')));
    fc.assert(
      fc.property(line, (bytes) => {
        const events = frame(Buffer.concat([bytes, Buffer.from('\r\n')]));
        assert.equal(events.length, 1);
        const e = events[0]!;
        assert.equal(e.kind, 'command');
        if (e.kind !== 'command') return;
        const r = parseCommand(e.unit);
        if (r.ok) assert.equal(r.tag, e.unit.tag);
        else assert.equal(r.kind, 'BAD');
        if (r.tag !== undefined) assert.equal(r.tag, e.unit.tag);
      }),
      { numRuns: 2000 },
    );
  });

  it('carry literal octets unchanged, synchronizing or not, in any chunking', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 64 }),
        (raw, sync, size) => {
          const data = Buffer.from(raw.map((b) => b || 1));
          const input = Buffer.concat([
            Buffer.from(`A1 SEARCH TEXT {${data.length}${sync ? '' : '+'}}\r\n`),
            data,
            Buffer.from(' ALL\r\n'),
          ]);
          const framer = new CommandFramer();
          const events: FrameEvent[] = [];
          for (const chunk of split(input, size)) {
            framer.push(chunk);
            for (let e = framer.next(); e !== null; e = framer.next()) events.push(e);
          }
          assert.deepEqual(
            events.map((e) => e.kind),
            sync ? ['continue', 'command'] : ['command'],
          );
          const last = events.at(-1)!;
          const r = last.kind === 'command' ? parseCommand(last.unit) : undefined;
          assert.ok(r?.ok && r.command.name === 'SEARCH' && r.command.key.type === 'and');
          assert.deepEqual(r.command.key.keys[0], { type: 'text', value: data });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trip mailbox names through modified UTF-7 and astring encoding', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
        fc.boolean(),
        (name, utf8) => {
          const wire = utf8 ? name : encodeMutf7(name);
          const c = ok(`A1 SELECT ${encodeValue(astring(wire), { utf8 }).toString('latin1')}`);
          assert.ok(c.name === 'SELECT');
          const expected = name.toUpperCase() === 'INBOX' ? 'INBOX' : name.toWellFormed();
          assert.equal(utf8 ? c.mailbox.utf8 : c.mailbox.mutf7, expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trip sequence sets', () => {
    const seqNumber = fc.oneof(fc.integer({ min: 1, max: 0xffffffff }), fc.constant('*' as const));
    const range = fc.tuple(seqNumber, seqNumber).map(([from, to]): SeqRange => ({ from, to }));
    fc.assert(
      fc.property(fc.array(range, { minLength: 1, maxLength: 20 }), (ranges) => {
        const text = ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}:${r.to}`)).join(',');
        const c = ok(`A1 UID FETCH ${text} UID`);
        assert.deepEqual(c.name === 'FETCH' && c.set, { kind: 'ranges', ranges });
      }),
    );
  });

  it('round-trip search keys printed in IMAP syntax', () => {
    const text = fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map((s) => Buffer.from(s));
    // fast-check records have no prototype; the parser's objects do.
    const rec = <T extends object>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> =>
      fc.record(model).map((r) => ({ ...r }) as T);
    const { key } = fc.letrec<{ key: SearchKey }>((tie) => ({
      key: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constant<SearchKey>({ type: 'all' }),
        rec({
          type: fc.constant('flag' as const),
          flag: fc.constantFrom('\\Answered', '\\Deleted', '\\Draft', '\\Flagged', '\\Seen' as const),
          set: fc.boolean(),
        }),
        rec({
          type: fc.constant('keyword' as const),
          keyword: fc.stringMatching(/^\$?[A-Za-z0-9_]{1,8}$/),
          set: fc.boolean(),
        }),
        rec({
          type: fc.constant('header' as const),
          field: fc.constantFrom('from', 'subject', 'x-mailer'),
          value: text,
        }),
        rec({ type: fc.constant('text' as const), value: text }),
        rec({
          type: fc.constant('size' as const),
          op: fc.constantFrom('larger' as const, 'smaller' as const),
          size: fc.nat(),
        }),
        rec({
          type: fc.constant('date' as const),
          field: fc.constantFrom('internal' as const, 'sent' as const),
          op: fc.constantFrom('before' as const, 'on' as const, 'since' as const),
          date: rec({
            year: fc.integer({ min: 1000, max: 9999 }),
            month: fc.integer({ min: 1, max: 12 }),
            day: fc.integer({ min: 1, max: 28 }),
          }),
        }),
        rec({ type: fc.constant('not' as const), key: tie('key') }),
        rec({ type: fc.constant('or' as const), left: tie('key'), right: tie('key') }),
        rec({
          type: fc.constant('and' as const),
          keys: fc.array(tie('key'), { minLength: 2, maxLength: 3 }),
        }),
      ) as fc.Arbitrary<SearchKey>,
    }));
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const str = (b: Buffer) =>
      encodeValue(b.length > 0 && /^[a-z]+$/.test(b.toString()) ? b.toString() : b, { utf8: false }).toString(
        'latin1',
      );
    const print = (k: SearchKey): string => {
      switch (k.type) {
        case 'all':
          return 'ALL';
        case 'flag':
          return `${k.set ? '' : 'UN'}${k.flag.slice(1).toUpperCase()}`;
        case 'keyword':
          return `${k.set ? 'KEYWORD' : 'UNKEYWORD'} ${k.keyword}`;
        case 'header':
          return k.field === 'x-mailer'
            ? `HEADER X-Mailer ${str(k.value)}`
            : `${k.field.toUpperCase()} ${str(k.value)}`;
        case 'text':
          return `TEXT ${str(k.value)}`;
        case 'size':
          return `${k.op.toUpperCase()} ${k.size}`;
        case 'date':
          return `${k.field === 'sent' ? 'SENT' : ''}${k.op.toUpperCase()} ${k.date.day}-${months[k.date.month - 1]}-${k.date.year}`;
        case 'not':
          return `NOT ${print(k.key)}`;
        case 'or':
          return `OR ${print(k.left)} ${print(k.right)}`;
        case 'and':
          return `(${k.keys.map(print).join(' ')})`;
        default:
          throw new Error(`not generated: ${k.type}`);
      }
    };
    fc.assert(
      fc.property(key, (k) => {
        const c = ok(`A1 SEARCH ${print(k)}\r\n`);
        assert.deepEqual(c.name === 'SEARCH' && c.key, k);
      }),
      { numRuns: 300 },
    );
  });
});
