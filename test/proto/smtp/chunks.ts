/** Test helpers: feeding the same input whole and in chunks of 1, 2, 4 … 512 bytes. */
import fc from 'fast-check';

/** Arbitrary octet strings, as latin1 strings (one character per octet). */
export function octetString(maxLength: number): fc.Arbitrary<string> {
  return fc.uint8Array({ maxLength }).map((a) => Buffer.from(a).toString('latin1'));
}

/** The chunk sizes every incremental parser is fed with. */
export const CHUNK_SIZES: readonly number[] = [1, 2, 3, 4, 8, 16, 32, 64, 128, 256, 512];

/** Splits `input` into chunks of `size` bytes (the last may be shorter). Each chunk is a copy. */
export function split(input: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; i += size) out.push(Buffer.from(input.subarray(i, i + size)));
  return out;
}

/** Splits `input` at the given offsets. */
export function splitAt(input: Buffer, offsets: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const o of [...offsets].sort((a, b) => a - b)) {
    out.push(Buffer.from(input.subarray(prev, o)));
    prev = o;
  }
  out.push(Buffer.from(input.subarray(prev)));
  return out;
}
