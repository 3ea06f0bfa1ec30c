/**
 * The text the full-text index keeps for a message (IMAP SEARCH BODY/TEXT/HEADER, RFC 9051
 * §6.4.4): decoded header values and text parts, NFC-normalised, cut at a size limit.
 */
import { extractText, type MessageStructure } from '../../mime/index.ts';
import type { SearchText } from '../../store/store.ts';

/**
 * Most characters of each of the header text and the body text kept in the search index. Most
 * mail is far shorter; for longer text (reports, logs) the index holds the start and marks it
 * cut, and a search reads the rest from the message. Indexing costs grow with the text
 * (trigrams), so a cap keeps one large message from holding the index writer for long.
 */
export const SEARCH_TEXT_LIMIT = 16 * 1024;

/**
 * The indexed text of `raw`, indexed as `structure`: at most {@link SEARCH_TEXT_LIMIT}
 * characters each of headers and body, marked `truncated` when either may have been cut (so
 * searches confirm such messages against the message itself). Never throws.
 */
export function searchTextOf(raw: Buffer, structure: MessageStructure): SearchText {
  // One character more than kept: reaching the limit means the text may have been cut.
  const text = extractText(raw, structure, { maxLength: SEARCH_TEXT_LIMIT + 1 });
  const truncated = text.headers.length >= SEARCH_TEXT_LIMIT || text.body.length >= SEARCH_TEXT_LIMIT;
  return {
    headers: text.headers.slice(0, SEARCH_TEXT_LIMIT).toWellFormed().normalize('NFC'),
    body: text.body.slice(0, SEARCH_TEXT_LIMIT).toWellFormed().normalize('NFC'),
    truncated,
  };
}
