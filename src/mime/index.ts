/**
 * Loft's MIME indexer (pure: Buffer in, plain data out). See `structure.ts` for the part tree with
 * byte offsets, `section.ts` for IMAP part numbering, `envelope.ts` for ENVELOPE, `codec.ts` for
 * the stored JSON, and `text.ts` for the full-text index.
 */

export { isGroup, parseAddressList } from './address.ts';
export { decodeStructure, encodeStructure } from './codec.ts';
export {
  type ContentType,
  defaultContentType,
  getParam,
  parseContentDisposition,
  parseContentLanguage,
  parseContentType,
  parseTransferEncoding,
} from './content-type.ts';
export { parseDate } from './date.ts';
export {
  type ImapAddress,
  type ImapEnvelope,
  imapAddresses,
  readEnvelope,
  toImapEnvelope,
} from './envelope.ts';
export {
  fieldText,
  findFields,
  type HeaderBlock,
  type HeaderField,
  hasEightBitHeader,
  headerValue,
  indexFields,
  parseHeaderBlock,
  rawValue,
  unfold,
} from './header.ts';
export { decodedParam, decodeExtendedValue } from './rfc2231.ts';
export {
  type ByteRange,
  findPart,
  parseSectionPath,
  type SectionText,
  sectionRange,
  walkParts,
} from './section.ts';
export { type IndexOptions, indexMessage } from './structure.ts';
export { decodeHeaderValue, type ExtractedText, type ExtractOptions, extractText } from './text.ts';
export type * from './types.ts';
