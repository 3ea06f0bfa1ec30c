/** ID (RFC 2971 §3.1). */

import type { Cursor } from './cursor.ts';

/** One field of the client's identification, e.g. `{ field: 'name', value: 'Thunderbird' }`. */
export interface IdParam {
  readonly field: string;
  readonly value: string | null;
}

/** `ID (field value …)` or `ID NIL`: `params` is null for NIL. */
export interface IdCommand {
  readonly name: 'ID';
  readonly params: readonly IdParam[] | null;
}

/** Decodes informational text leniently: invalid UTF-8 becomes U+FFFD (it is only logged). */
function text(bytes: Buffer): string {
  return bytes.toString('utf8');
}

/**
 * RFC 2971 §4 `id = "ID" SP id-params-list`,
 * `id-params-list = "(" #(string SP nstring) ")" / nil`. The RFC's size limits (30 pairs,
 * 30-octet fields, 1024-octet values) bind clients; the line length limit bounds what arrives,
 * and the session may truncate before logging.
 */
export function parseId(c: Cursor): IdCommand {
  c.SP();
  if (c.accept('NIL')) {
    c.end();
    return { name: 'ID', params: null };
  }
  const params = c.list(
    () => {
      const field = text(c.string('an ID field'));
      c.SP();
      const value = c.nstring('an ID value');
      return { field, value: value === null ? null : text(value) };
    },
    true,
    'ID parameters',
  );
  c.end();
  return { name: 'ID', params };
}
