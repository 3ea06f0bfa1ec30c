/**
 * The Authentication-Results header field (RFC 8601): writing Loft's own, and removing the ones
 * in a received message that claim to come from Loft (RFC 8601 §5). Pure: no I/O.
 */

/** One property of a result (RFC 8601 §2.3): `ptype.property=value`, e.g. `header.d=example.com`. */
export type ResultProperty = readonly [ptype: string, property: string, value: string];

/** One method's result (RFC 8601 §2.2 `resinfo`). */
export interface MethodResult {
  /** `dkim`, `spf`, `dmarc` (RFC 8601 §2.7). */
  method: string;
  /** The result keyword (RFC 8601 §2.7.1–§2.7.3). */
  result: string;
  /** Free text for people, written as a comment after the result. */
  comment?: string | undefined;
  props: readonly ResultProperty[];
}

/** RFC 2045 §5.1 token characters (no tspecials, no space, no controls). */
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;
/** RFC 5321 dot-string (ASCII) and a domain name, for the `[local-part] "@" domain-name` form. */
const ADDRESS =
  /^(?:[!#$%&'*+\-/=?^_`{|}~0-9A-Za-z]+(?:\.[!#$%&'*+\-/=?^_`{|}~0-9A-Za-z]+)*)?@[0-9A-Za-z](?:[0-9A-Za-z.-]*[0-9A-Za-z])?$/;

/** RFC 8601 §2.2 `pvalue`: a token, an address, or else a quoted-string (RFC 5322 §3.2.4). */
export function pvalue(value: string): string {
  if (TOKEN.test(value) || ADDRESS.test(value)) return value;
  return quoted(value);
}

function quoted(value: string): string {
  return `"${value.replace(/[\r\n]+/g, ' ').replace(/(["\\])/g, '\\$1')}"`;
}

/** An RFC 5322 §3.2.2 comment: parentheses and backslashes escaped, no line breaks. */
function comment(text: string): string {
  return `(${text.replace(/[\r\n]+/g, ' ').replace(/([()\\])/g, '\\$1')})`;
}

/**
 * The whole header field, CRLF-terminated: `Authentication-Results: authserv-id;` then one
 * `resinfo` per line, folded with a tab (RFC 8601 §2.2, RFC 5322 §2.2.3), or `; none` when there
 * is nothing to report (RFC 8601 §2.2 `no-result`).
 */
export function formatAuthResults(authservId: string, results: readonly MethodResult[]): string {
  const id = TOKEN.test(authservId) ? authservId : quoted(authservId);
  if (results.length === 0) return `Authentication-Results: ${id}; none\r\n`;
  const lines = results.map((r) => {
    const parts = [`${r.method}=${r.result}`];
    if (r.comment) parts.push(comment(r.comment));
    for (const [ptype, property, value] of r.props) parts.push(`${ptype}.${property}=${pvalue(value)}`);
    return parts.join(' ');
  });
  return `Authentication-Results: ${id};\r\n\t${lines.join(';\r\n\t')}\r\n`;
}

/**
 * The authserv-id of an Authentication-Results field value (after the colon): comments and
 * white space skipped, then a token or a quoted-string (RFC 8601 §2.2, §2.5). Undefined when
 * none can be read.
 */
export function authservIdOf(value: string): string | undefined {
  let i = 0;
  const skip = (): void => {
    for (;;) {
      while (i < value.length && /[ \t\r\n]/.test(value[i]!)) i++;
      if (value[i] !== '(') return;
      let depth = 0;
      for (; i < value.length; i++) {
        if (value[i] === '\\') i++;
        else if (value[i] === '(') depth++;
        else if (value[i] === ')' && --depth === 0) {
          i++;
          break;
        }
      }
    }
  };
  skip();
  if (value[i] === '"') {
    let out = '';
    for (i++; i < value.length && value[i] !== '"'; i++) out += value[i] === '\\' ? value[++i] : value[i];
    return out;
  }
  const token = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+/.exec(value.slice(i));
  return token?.[0];
}

/**
 * Removes from the header section of `message` every Authentication-Results field whose
 * authserv-id is `authservId` (compared case-insensitively): a receiving server must not let a
 * message claim results in its name (RFC 8601 §5). The body is left untouched; returns the
 * message itself when nothing was removed.
 */
export function removeForgedAuthResults(message: Buffer, authservId: string): Buffer {
  const end = headerEnd(message);
  const header = message.subarray(0, end).toString('latin1');
  const fields = header.split(/\r\n(?![ \t])/);
  const wanted = authservId.toLowerCase();
  const kept = fields.filter((field) => {
    const m = /^authentication-results[ \t]*:/i.exec(field);
    return !m || authservIdOf(field.slice(m[0].length))?.toLowerCase() !== wanted;
  });
  if (kept.length === fields.length) return message;
  if (kept.length === 0) return message.subarray(end + 2);
  return Buffer.concat([Buffer.from(kept.join('\r\n'), 'latin1'), message.subarray(end)]);
}

/** Where the header section ends: at the CRLF that starts the empty line (or the end). */
function headerEnd(message: Buffer): number {
  if (message.subarray(0, 2).toString('latin1') === '\r\n') return 0;
  const at = message.indexOf('\r\n\r\n');
  return at === -1 ? message.length : at;
}
