/**
 * RFC 2231 parameter value continuations, charsets and languages.
 *
 * For BODYSTRUCTURE we keep values as sent but merge continuations into one parameter, as Dovecot
 * does: `name*0="a"; name*1="b"` becomes `name="ab"`; when any segment is extended
 * (`name*0*=utf-8'en'%C3%A9; name*1=" x"`), the result is `name*` with the value
 * `charset'language'` + the segments, plain segments percent-encoded, so a client can decode it.
 * {@link decodedParam} gives the decoded text (RFC 2231 §4, or RFC 2047 words in a plain value).
 */

import libmime from 'libmime';
import { decodeCharset } from './charset.ts';
import type { MimeParam } from './types.ts';

/** At most this many continuation segments are merged (a guard against absurd headers). */
const MAX_SEGMENTS = 1000;

interface Segment {
  index: number;
  extended: boolean;
  value: string;
}

/**
 * Merges RFC 2231 §3 continuations (`name*0`, `name*1*`…) into one parameter placed where the
 * first segment was; segments are ordered by number and must run from 0 without a gap (later
 * ones are dropped). Names without a segment 0 and all other parameters are kept unchanged.
 */
export function mergeContinuations(params: MimeParam[]): MimeParam[] {
  if (!params.some(([name]) => name.includes('*'))) return params;
  const groups = new Map<string, Segment[]>();
  const order: (MimeParam | string)[] = [];
  for (const param of params) {
    const m = /^(.+?)\*(\d{1,4})(\*?)$/.exec(param[0]);
    if (m === null) {
      order.push(param);
      continue;
    }
    const base = m[1]!;
    let group = groups.get(base);
    if (group === undefined) {
      group = [];
      groups.set(base, group);
      order.push(base);
    }
    if (group.length < MAX_SEGMENTS)
      group.push({ index: Number(m[2]), extended: m[3] === '*', value: param[1] });
  }
  const out: MimeParam[] = [];
  for (const item of order) {
    if (typeof item !== 'string') {
      out.push(item);
      continue;
    }
    const segments = groups.get(item)!;
    const merged = mergeSegments(segments);
    if (merged === undefined) {
      for (const s of segments) out.push([`${item}*${s.index}${s.extended ? '*' : ''}`, s.value]);
    } else {
      out.push([merged.extended ? `${item}*` : item, merged.value]);
    }
  }
  return out;
}

function mergeSegments(segments: Segment[]): { extended: boolean; value: string } | undefined {
  const byIndex = new Map<number, Segment>();
  for (const s of segments) if (!byIndex.has(s.index)) byIndex.set(s.index, s);
  const first = byIndex.get(0);
  if (first === undefined) return undefined;
  const run: Segment[] = [];
  for (let i = 0; byIndex.has(i); i++) run.push(byIndex.get(i)!);
  const extended = run.some((s) => s.extended);
  if (!extended) return { extended, value: run.map((s) => s.value).join('') };
  // RFC 2231 §4.1: only the first segment carries charset'language'.
  let value = first.extended ? first.value : `''${percentEncode(first.value)}`;
  for (const s of run.slice(1)) value += s.extended ? s.value : percentEncode(s.value);
  return { extended, value };
}

/** Percent-encodes the UTF-8 bytes of `text` that are not RFC 2231 `attribute-char`s. */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (byte > 0x20 && byte < 0x7f && !'*\'%()<>@,;:\\"/[]?='.includes(ch)) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Decodes an RFC 2231 §4 extended value `charset'language'percent-encoded` to text. A value
 * without the two quotes is taken as percent-encoded UTF-8; invalid `%` sequences stay as they are.
 */
export function decodeExtendedValue(value: string): string {
  const q1 = value.indexOf("'");
  const q2 = q1 === -1 ? -1 : value.indexOf("'", q1 + 1);
  const charset = q2 === -1 ? 'utf-8' : value.slice(0, q1);
  const data = q2 === -1 ? value : value.slice(q2 + 1);
  const bytes: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const code = data.charCodeAt(i);
    if (code === 0x25 && /^[0-9a-fA-F]{2}$/.test(data.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(data.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (code < 0x80) {
      bytes.push(code);
    } else {
      for (const b of Buffer.from(data[i]!, 'utf8')) bytes.push(b);
    }
  }
  return decodeCharset(Buffer.from(bytes), charset || 'utf-8');
}

/**
 * The decoded value of parameter `name` (case-insensitive): the RFC 2231 `name*` form when
 * present, else the plain value with RFC 2047 encoded words decoded (which many clients put in
 * `filename="=?UTF-8?B?…?="` although RFC 2047 §5 forbids it). Undefined when absent. Never throws.
 */
export function decodedParam(params: readonly MimeParam[], name: string): string | undefined {
  const key = name.toLowerCase();
  const extended = params.find(([n]) => n === `${key}*`);
  if (extended !== undefined) return decodeExtendedValue(extended[1]);
  const plain = params.find(([n]) => n === key);
  if (plain === undefined) return undefined;
  if (!plain[1].includes('=?')) return plain[1];
  try {
    return libmime.decodeWords(plain[1]);
  } catch {
    return plain[1];
  }
}
