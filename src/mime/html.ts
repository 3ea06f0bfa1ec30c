/**
 * A crude HTML-to-text conversion for the full-text index: enough to search the words of an HTML
 * mail, not to render it. Linear in the input (no backtracking regular expressions over markup).
 */

const BLOCK_TAGS = new Set([
  'br',
  'p',
  'div',
  'tr',
  'li',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'blockquote',
]);
const SKIPPED_TAGS = new Set(['script', 'style', 'head']);

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '©',
  reg: '®',
  euro: '€',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  laquo: '«',
  raquo: '»',
};

/**
 * Strips tags, comments and the content of script, style and head elements; block-level tags
 * become line breaks; entities are decoded (named ones from a short list, all numeric ones);
 * runs of white space are collapsed. Never throws.
 */
export function htmlToText(html: string): string {
  let out = '';
  let i = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, lt);
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end === -1 ? n : end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt === -1) break; // an unterminated tag: drop the rest
    const name = /^<\/?\s*([a-zA-Z][a-zA-Z0-9]*)/
      .exec(html.slice(lt, Math.min(gt + 1, lt + 40)))?.[1]
      ?.toLowerCase();
    i = gt + 1;
    if (name === undefined) continue;
    if (html[lt + 1] !== '/' && SKIPPED_TAGS.has(name)) {
      const closing = new RegExp(`</${name}`, 'gi');
      closing.lastIndex = i;
      const close = closing.exec(html)?.index;
      if (close === undefined) break;
      const closeEnd = html.indexOf('>', close);
      i = closeEnd === -1 ? n : closeEnd + 1;
      continue;
    }
    out += BLOCK_TAGS.has(name) ? '\n' : ' ';
  }
  return decodeEntities(out)
    .replace(/[ \t\r\f\v\u00a0]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .trim();
}

/** Decodes `&name;`, `&#123;` and `&#x1F;` (invalid code points become U+FFFD). */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]{2,8});/g, (whole, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
        ? String.fromCodePoint(code)
        : '\ufffd';
    }
    const key = body.toLowerCase();
    return Object.hasOwn(ENTITIES, key) ? ENTITIES[key]! : whole;
  });
}
