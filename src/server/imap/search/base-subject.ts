/**
 * The base subject of RFC 5256 §2.1, which SORT (SUBJECT) compares and THREAD would group by:
 * the Subject with RFC 2047 words decoded and reply and forward markers taken off. Pure.
 */
import { decodeHeaderValue } from '../../../mime/index.ts';

// RFC 5256 §5: subj-trailer = "(fwd)" / WSP, matched at the end.
const TRAILER = /(?:\(fwd\)|[ \t])$/i;
// RFC 5256 §5: subj-blob = "[" *BLOBCHAR "]" *WSP; BLOBCHAR is any CHAR but "[" and "]".
const BLOB = String.raw`\[[^[\]]*\][ \t]*`;
// RFC 5256 §5: subj-leader = (*subj-blob subj-refwd) / WSP;
// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":".
const LEADER = new RegExp(String.raw`^(?:(?:${BLOB})*(?:re|fwd?)[ \t]*(?:${BLOB})?:|[ \t]+)`, 'i');
const LEADING_BLOB = new RegExp(`^${BLOB}`);
// RFC 5256 §5: subj-fwd-hdr = "[fwd:", subj-fwd-trl = "]".
const FWD_HDR = /^\[fwd:/i;

/**
 * RFC 5256 §2.1: the base subject of a Subject field value as stored (encoded words and folding
 * as sent). Never throws.
 */
export function baseSubject(value: string): string {
  // (1) Decode RFC 2047 words to UTF-8; tabs and line breaks become spaces, runs of them one.
  let s = decodeHeaderValue(value).replace(/[ \t\r\n]+/g, ' ');
  for (;;) {
    // (2) Remove every trailing "(fwd)" and white space.
    for (let m = TRAILER.exec(s); m; m = TRAILER.exec(s)) s = s.slice(0, s.length - m[0].length);
    // (3)-(5) Remove leading "Re:", "Fw:", "Fwd:" (after any blobs) and white space, and a
    // leading "[blob]" when something is left after it, until nothing changes.
    for (let changed = true; changed; ) {
      changed = false;
      const leader = LEADER.exec(s);
      if (leader && leader[0].length > 0) {
        s = s.slice(leader[0].length);
        changed = true;
      }
      const blob = LEADING_BLOB.exec(s);
      if (blob && s.slice(blob[0].length).trim() !== '') {
        s = s.slice(blob[0].length);
        changed = true;
      }
    }
    // (6) "[fwd: … ]" around the whole subject: take it off and start again at (2).
    if (FWD_HDR.test(s) && s.endsWith(']')) {
      s = s.slice(5, -1);
      continue;
    }
    // (7) What remains is the base subject.
    return s;
  }
}
