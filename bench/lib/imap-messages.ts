/**
 * The IMAP benchmark's mailbox, generated without I/O from a seed: the same seed and count give
 * the same messages, byte for byte, in every process (the benchmark writes Dovecot's Maildir from
 * them, and a child process stores them in Loft). Messages of 2–5 KB with CRLF line ends: mostly
 * text/plain, some multipart/alternative (text and HTML), a few multipart/mixed with a small
 * base64 attachment. Their text is drawn from a vocabulary of made-up words, so a TEXT search
 * matches some messages and not others; one rare word ({@link RARE_WORD}) is put in a handful of
 * messages only ({@link rareMessages}), in the text part, never in an attachment.
 */

/** The word of the benchmark's `UID SEARCH TEXT`: no vocabulary word contains it. */
export const RARE_WORD = 'quixotrophy';
/** The default seed of the benchmark's mailbox. */
export const DEFAULT_SEED = 20261128;
/** The first message's date (seconds since 1970); each next one comes a minute later. */
export const FIRST_DATE = 1_700_000_000;
/** Messages that carry the rare word, out of any number of messages (at least one). */
export const RARE_COUNT = 7;

/** One generated message and what the benchmark checks it against. */
export interface GeneratedMessage {
  /** 0-based position in the mailbox: the message gets UID index + 1 on both servers. */
  index: number;
  /** The message, CRLF line ends. */
  raw: Buffer;
  /** Seconds since 1970: its Date field, its internal date (and its Maildir file's mtime). */
  date: number;
  seen: boolean;
  flagged: boolean;
  answered: boolean;
  kind: 'plain' | 'alternative' | 'attachment';
}

/** mulberry32: a small, fast deterministic PRNG; returns numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Syllables without q or x, so no vocabulary word can contain the rare word.
const SYLLABLES =
  'ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu za ze zi zo zu'.split(
    ' ',
  );

/** The vocabulary of `size` distinct made-up words, from `seed`. */
export function vocabulary(seed: number, size = 3000): string[] {
  const random = prng(seed ^ 0x5eed);
  const words = new Set<string>();
  while (words.size < size) {
    const syllables = 2 + Math.floor(random() * 3);
    let word = '';
    for (let i = 0; i < syllables; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(word);
  }
  return [...words];
}

/** The 0-based indexes of the messages holding {@link RARE_WORD}, ascending: spread over the mailbox. */
export function rareMessages(count: number, seed = DEFAULT_SEED): number[] {
  const n = Math.min(RARE_COUNT, count);
  const random = prng(seed ^ 0x7a7e);
  const chosen = new Set<number>();
  for (let i = 0; chosen.size < n; i++) {
    // One in each of n equal stretches, at a seeded position within it.
    const stretch = Math.floor(count / n);
    const slot = chosen.size;
    chosen.add(Math.min(count - 1, slot * stretch + Math.floor(random() * stretch)));
    if (i > 10 * n) break;
  }
  return [...chosen].sort((a, b) => a - b);
}

const NAMES = ['Alice Martin', 'Bob Durand', 'Chloe Petit', 'David Moreau', 'Emma Laurent', 'Farid Haddad'];

/** A generator of the mailbox's messages, in order; `next()` returns message 0, 1, 2… */
export class MailboxGenerator {
  readonly count: number;
  readonly seed: number;
  readonly #words: string[];
  readonly #rare: Set<number>;
  readonly #random: () => number;
  #index = 0;

  constructor(count: number, seed = DEFAULT_SEED) {
    this.count = count;
    this.seed = seed;
    this.#words = vocabulary(seed);
    this.#rare = new Set(rareMessages(count, seed));
    this.#random = prng(seed);
  }

  /** The next message, or undefined after the last one. */
  next(): GeneratedMessage | undefined {
    if (this.#index >= this.count) return undefined;
    const index = this.#index++;
    const r = this.#random;
    const pick = r();
    const kind = pick < 0.6 ? 'plain' : pick < 0.92 ? 'alternative' : 'attachment';
    const size = 2000 + Math.floor(r() * 3000); // total octets aimed at, 2–5 KB
    const date = FIRST_DATE + index * 60;
    const from = NAMES[Math.floor(r() * NAMES.length)]!;
    const subject = this.#sentence(3 + Math.floor(r() * 5));
    const seen = index < this.count - Math.ceil(this.count / 100) && r() < 0.9;
    const flagged = r() < 0.05;
    const answered = r() < 0.03;
    const header = [
      `Return-Path: <${mailbox(from)}@example.org>`,
      `Message-ID: <m${index}.${this.seed}@bench.test>`,
      `Date: ${new Date(date * 1000).toUTCString().replace('GMT', '+0000')}`,
      `From: ${from} <${mailbox(from)}@example.org>`,
      'To: Bench User <u1@bench.test>',
      `Subject: ${subject}`,
      'MIME-Version: 1.0',
    ];
    // Text octets so that the whole message comes near `size`: headers take about 350, the HTML
    // copy of half the text and the attachment (about 1,100 in base64) come on top.
    const room = kind === 'plain' ? size - 350 : kind === 'alternative' ? (size - 600) / 1.5 : size - 1800;
    const text = this.#paragraphs(Math.max(300, Math.floor(room)), index);
    let body: string[];
    if (kind === 'plain') {
      header.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 7bit');
      body = text;
    } else {
      const boundary = `=_b${index}_${this.seed}`;
      const textPart = [
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 7bit',
        '',
        ...text,
      ];
      const html = [
        'Content-Type: text/html; charset=utf-8',
        'Content-Transfer-Encoding: 7bit',
        '',
        '<html><body>',
        ...text.slice(0, Math.ceil(text.length / 2)).map((line) => (line === '' ? '<br>' : line)),
        '</body></html>',
      ];
      if (kind === 'alternative') {
        header.push(`Content-Type: multipart/alternative; boundary="${boundary}"`);
        body = multipart(boundary, [textPart, html]);
      } else {
        header.push(`Content-Type: multipart/mixed; boundary="${boundary}"`);
        const bytes = Buffer.alloc(600 + Math.floor(r() * 400));
        for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
        const attachment = [
          'Content-Type: application/octet-stream; name="data.bin"',
          'Content-Disposition: attachment; filename="data.bin"',
          'Content-Transfer-Encoding: base64',
          '',
          ...(bytes.toString('base64').match(/.{1,76}/g) ?? []),
        ];
        body = multipart(boundary, [textPart, attachment]);
      }
    }
    const raw = Buffer.from(`${header.join('\r\n')}\r\n\r\n${body.join('\r\n')}\r\n`, 'utf8');
    return { index, raw, date, seen, flagged, answered, kind };
  }

  *[Symbol.iterator](): Generator<GeneratedMessage> {
    for (let m = this.next(); m; m = this.next()) yield m;
  }

  #sentence(words: number): string {
    const out: string[] = [];
    for (let i = 0; i < words; i++) out.push(this.#words[Math.floor(this.#random() * this.#words.length)]!);
    const first = out[0]!;
    out[0] = first.charAt(0).toUpperCase() + first.slice(1);
    return out.join(' ');
  }

  /** Lines of text (at most 72 characters, paragraphs apart) of about `octets`; the rare word once if chosen. */
  #paragraphs(octets: number, index: number): string[] {
    const lines: string[] = [];
    let length = 0;
    let line = '';
    const rareAt = this.#rare.has(index) ? Math.floor(this.#random() * octets * 0.8) : -1;
    let rarePut = false;
    while (length < octets) {
      let word = this.#words[Math.floor(this.#random() * this.#words.length)]!;
      if (!rarePut && rareAt >= 0 && length >= rareAt) {
        word = RARE_WORD;
        rarePut = true;
      }
      if (line.length + word.length + 1 > 72) {
        lines.push(`${line}.`);
        length += line.length + 3;
        line = '';
        if (this.#random() < 0.15) lines.push('');
      }
      line = line === '' ? word : `${line} ${word}`;
    }
    if (line !== '') lines.push(`${line}.`);
    if (rareAt >= 0 && !rarePut) lines.push(`${RARE_WORD}.`);
    return lines;
  }
}

function mailbox(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[^A-Za-z ]/g, '')
    .toLowerCase()
    .replace(' ', '.');
}

function multipart(boundary: string, parts: string[][]): string[] {
  return [
    'This is a multi-part message in MIME format.',
    ...parts.flatMap((part) => [`--${boundary}`, ...part]),
    `--${boundary}--`,
  ];
}
