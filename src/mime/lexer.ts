/**
 * Lexical pieces shared by the structured header parsers (RFC 5322 §3.2): folding white space,
 * comments and quoted strings. They work on an unfolded string through a cursor and never throw:
 * an unterminated comment or quoted string simply runs to the end of the input.
 */

/** A position in a string being parsed. */
export interface Cursor {
  readonly s: string;
  i: number;
}

/** A cursor at the start of `s`. */
export function cursor(s: string): Cursor {
  return { s, i: 0 };
}

/** True when the cursor is at the end of its string. */
export function atEnd(c: Cursor): boolean {
  return c.i >= c.s.length;
}

/** True for the characters RFC 5322 §3.2.2 folds over (WSP plus stray line breaks). */
export function isWsp(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/**
 * Skips CFWS (RFC 5322 §3.2.2): white space and comments, nested comments included. The text of
 * each comment skipped is pushed to `comments` when given. Returns true if anything was skipped.
 */
export function skipCfws(c: Cursor, comments?: string[]): boolean {
  const from = c.i;
  for (;;) {
    const ch = c.s[c.i];
    if (isWsp(ch)) c.i++;
    else if (ch === '(') {
      const text = comment(c);
      comments?.push(text);
    } else return c.i > from;
  }
}

/**
 * Reads a comment (RFC 5322 §3.2.2 `comment`) at `(`, nested comments and quoted-pairs included,
 * and returns its text without the outer parentheses, quoted-pairs resolved.
 */
export function comment(c: Cursor): string {
  let depth = 0;
  let out = '';
  const s = c.s;
  while (c.i < s.length) {
    const ch = s[c.i++]!;
    if (ch === '\\' && c.i < s.length) {
      out += s[c.i++];
    } else if (ch === '(') {
      if (depth++ > 0) out += ch;
    } else if (ch === ')') {
      if (--depth === 0) return out;
      out += ch;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * Reads a quoted string (RFC 5322 §3.2.4 `quoted-string`) at `"` and returns its content with
 * quoted-pairs resolved; the quotes are not part of the result.
 */
export function quotedString(c: Cursor): string {
  const s = c.s;
  c.i++; // opening DQUOTE
  let out = '';
  let run = c.i;
  while (c.i < s.length) {
    const ch = s[c.i];
    if (ch === '"') {
      out += s.slice(run, c.i);
      c.i++;
      return out;
    }
    if (ch === '\\' && c.i + 1 < s.length) {
      out += s.slice(run, c.i) + s[c.i + 1];
      c.i += 2;
      run = c.i;
    } else {
      c.i++;
    }
  }
  return out + s.slice(run);
}
