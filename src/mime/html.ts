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
/** Tags that separate words without breaking the line; other inline tags vanish. */
const SPACE_TAGS = new Set(['td', 'th', 'img', 'hr', 'option', 'input', 'dd', 'dt']);
const SKIPPED_TAGS = new Set(['script', 'style', 'head']);

/** HTML 4 Latin-1 entity names, for U+00A0 to U+00FF in order. */
const LATIN1_NAMES =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 ' +
  'acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde ' +
  'Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute ' +
  'Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde ' +
  'auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ' +
  'ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml';

const ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['euro', '€'],
  ['hellip', '…'],
  ['mdash', '—'],
  ['ndash', '–'],
  ['lsquo', '‘'],
  ['rsquo', '’'],
  ['ldquo', '“'],
  ['rdquo', '”'],
  ['bull', '•'],
  ['trade', '™'],
  ...LATIN1_NAMES.split(' ').map((name, i): [string, string] => [name, String.fromCharCode(0xa0 + i)]),
]);

/**
 * Strips tags, comments and the content of script, style and head elements; block-level tags
 * become line breaks, table cells spaces; entities are decoded (Latin-1 and common named ones,
 * all numeric ones); runs of white space are collapsed. Never throws.
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
    if (BLOCK_TAGS.has(name)) out += '\n';
    else if (SPACE_TAGS.has(name)) out += ' ';
  }
  return decodeEntities(out)
    .replace(/[ \t\r\f\v\u00a0]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .trim();
}

/** Decodes `&name;` (case-sensitive first), `&#123;` and `&#x1F;` (invalid code points become U+FFFD). */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z][a-zA-Z0-9]{1,7});/g,
    (whole, body: string) => {
      if (body[0] === '#') {
        const code =
          body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
        return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
          ? String.fromCodePoint(code)
          : '\ufffd';
      }
      return ENTITIES.get(body) ?? ENTITIES.get(body.toLowerCase()) ?? whole;
    },
  );
}
