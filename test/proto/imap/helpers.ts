/** Test helpers: framing input whole or in chunks, and parsing command text. */
import assert from 'node:assert/strict';
import { CommandFramer, type FrameEvent, type FramerOptions } from '../../../src/proto/imap/framer.ts';
import {
  type Command,
  type ParseOptions,
  type ParseResult,
  parseCommand,
} from '../../../src/proto/imap/parse/index.ts';

/** JSON for messages: bigints and Buffers shown readably. */
export function show(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    typeof v === 'bigint' ? `${v}n` : v?.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v,
  );
}

/** The chunk sizes every incremental parser is fed with. */
export const CHUNK_SIZES: readonly number[] = [1, 2, 3, 4, 8, 16, 32, 64, 128, 256, 512];

/** Splits `input` into chunks of `size` bytes (the last may be shorter). */
export function split(input: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; i += size) out.push(Buffer.from(input.subarray(i, i + size)));
  return out;
}

/**
 * Feeds `input` to a new framer in chunks of `chunk` bytes (whole when omitted), collecting
 * every event; `continue` events are recorded and the literal is then read, as a session that
 * sends `+ Ready` does.
 */
export function frame(input: Buffer | string, chunk?: number, options?: FramerOptions): FrameEvent[] {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const framer = new CommandFramer(options);
  const events: FrameEvent[] = [];
  for (const part of chunk === undefined ? [bytes] : split(bytes, chunk)) {
    framer.push(part);
    for (let e = framer.next(); e !== null; e = framer.next()) events.push(e);
  }
  return events;
}

/** Frames and parses every command of `input`; framer errors are kept as they are. */
export function parseAll(
  input: Buffer | string,
  chunk?: number,
  options?: ParseOptions & FramerOptions,
): (ParseResult | FrameEvent)[] {
  return frame(input, chunk, options)
    .filter((e) => e.kind !== 'continue')
    .map((e) => (e.kind === 'command' ? parseCommand(e.unit, options) : e));
}

/**
 * Parses one command given as text (CRLF added when missing; literals allowed), checking that
 * every chunk size gives the same result.
 */
export function parse(text: string, options?: ParseOptions & FramerOptions): ParseResult {
  const input = text.endsWith('\r\n') ? text : `${text}\r\n`;
  const whole = parseAll(input, undefined, options);
  assert.equal(whole.length, 1, `expected one command in ${JSON.stringify(text)}, got ${whole.length}`);
  for (const size of [1, 3, 7]) assert.deepEqual(parseAll(input, size, options), whole, `chunk size ${size}`);
  const r = whole[0]!;
  assert.ok('ok' in r, `expected a parse result, got ${show(r)}`);
  return r;
}

/** Parses `text`, which must be a valid command. */
export function ok(text: string, options?: ParseOptions & FramerOptions): Command {
  const r = parse(text, options);
  if (!r.ok) assert.fail(`expected ${JSON.stringify(text)} to parse, got BAD ${r.text}`);
  return r.command;
}

/** Parses `text`, which must be refused with BAD; returns the BAD text. */
export function bad(text: string, options?: ParseOptions & FramerOptions): string {
  const r = parse(text, options);
  if (r.ok) assert.fail(`expected ${JSON.stringify(text)} to be refused, got ${show(r.command)}`);
  return r.text;
}

/** A mailbox name as the parser gives it for plain ASCII text. */
export function box(raw: string, utf8 = raw, mutf7: string | null = utf8) {
  return { raw, utf8, mutf7 };
}

/** A sequence set of ranges given as [from, to] pairs. */
export function seq(...ranges: [number | '*', number | '*'][]) {
  return { kind: 'ranges' as const, ranges: ranges.map(([from, to]) => ({ from, to })) };
}
