/**
 * Reading POP3 responses (RFC 1939 §3) on the client side, with no I/O: bytes in, completed
 * responses out, in the order the commands were sent (RFC 2449 §6.6: pipelined commands are
 * answered in order). The caller says, command by command, what shape of response to expect.
 *
 * A status line starts with "+OK" or "-ERR". A multi-line response follows "+OK" with lines
 * ended by CRLF; a line starting with "." has that dot removed (byte-stuffing), and the line
 * holding only "." ends the response. Message content (`message`) is not decoded: its octets
 * are counted and hashed as it streams by, which is what a benchmark client needs.
 */
import { createHash, type Hash } from 'node:crypto';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

/** What the response to one command looks like. */
export type Expect =
  /** A status line only (USER, PASS, STAT, QUIT, …). */
  | { kind: 'single' }
  /** A multi-line response kept as text lines, dot-unstuffed (CAPA, UIDL, LIST). */
  | { kind: 'lines' }
  /** A multi-line response of message content (RETR): counted and hashed, not kept. */
  | { kind: 'message' };

export interface SingleResponse {
  kind: 'single';
  ok: boolean;
  /** The status line after "+OK" or "-ERR" and one space. */
  text: string;
}

export interface LinesResponse {
  kind: 'lines';
  ok: boolean;
  text: string;
  /** The data lines without CRLF and without the stuffed dot; empty after "-ERR". */
  lines: string[];
}

export interface MessageResponse {
  kind: 'message';
  ok: boolean;
  text: string;
  /** Octets of content after un-stuffing, CRLFs included, the terminating line excluded (what LIST counts). */
  octets: number;
  /** SHA-256 of that content, in hex; empty after "-ERR". */
  sha256: string;
}

export type Response = SingleResponse | LinesResponse | MessageResponse;

/** The client received something that is not a POP3 response: the session cannot go on. */
export class Pop3ProtocolError extends Error {}

/**
 * Splits a status line (without its line end) into ok and text (RFC 1939 §3: "+OK" or "-ERR",
 * then optionally a space and text); undefined when it is neither.
 */
export function parseStatusLine(line: string): { ok: boolean; text: string } | undefined {
  for (const [indicator, ok] of [
    ['+OK', true],
    ['-ERR', false],
  ] as const) {
    if (line.startsWith(indicator) && (line.length === indicator.length || line[indicator.length] === ' ')) {
      return { ok, text: line.slice(indicator.length + 1) };
    }
  }
  return undefined;
}

/** The end of a line's content: before CRLF (or a bare LF) at `lf`. */
function contentEnd(buf: Buffer, start: number, lf: number): number {
  return lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
}

/**
 * Incremental response reader. Call {@link expect} once per command sent, in sending order, and
 * {@link push} with every chunk received; each call returns the responses it completed.
 */
export class ResponseReader {
  readonly #expected: Expect[] = [];
  /** The unfinished last line of the previous chunk. */
  #carry: Buffer | undefined;
  /** Inside a multi-line response (after its "+OK" line). */
  #body: { status: { ok: boolean; text: string }; lines: string[]; octets: number; hash: Hash } | undefined;

  /** Responses expected and not yet complete. */
  get pending(): number {
    return this.#expected.length;
  }

  /** Registers the response shape of the next command sent. */
  expect(shape: Expect): void {
    this.#expected.push(shape);
  }

  /** Consumes received bytes; returns the responses completed by them, in order. */
  push(chunk: Buffer): Response[] {
    const buf = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    this.#carry = undefined;
    const done: Response[] = [];
    let pos = 0;
    while (pos < buf.length) {
      const shape = this.#expected[0];
      if (!shape) {
        throw new Pop3ProtocolError(`unexpected data from the server: ${JSON.stringify(preview(buf, pos))}`);
      }
      if (this.#body) {
        pos = this.#readBody(buf, pos, shape, done);
        if (pos < 0) return done; // waiting for the rest of a line
        continue;
      }
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) {
        this.#keep(buf, pos);
        return done;
      }
      const line = buf.toString('latin1', pos, contentEnd(buf, pos, lf));
      pos = lf + 1;
      const status = parseStatusLine(line);
      if (!status)
        throw new Pop3ProtocolError(`not a POP3 status line: ${JSON.stringify(line.slice(0, 80))}`);
      if (shape.kind === 'single' || !status.ok) {
        // RFC 1939 §3: a negative response to a multi-line command is a single line.
        this.#expected.shift();
        done.push(finish(shape, status, [], 0, undefined));
      } else {
        this.#body = { status, lines: [], octets: 0, hash: createHash('sha256') };
      }
    }
    return done;
  }

  /**
   * Reads data lines of the current multi-line response from `pos`. Returns where reading
   * stopped: after the terminating line, or -1 when the chunk ended inside a line (kept).
   */
  #readBody(buf: Buffer, start: number, shape: Expect, done: Response[]): number {
    const body = this.#body!;
    const keepText = shape.kind === 'lines';
    // Content is hashed in runs of bytes, split only where a stuffed dot is dropped.
    let run = start;
    let pos = start;
    for (;;) {
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) {
        if (run < pos) body.hash.update(buf.subarray(run, pos));
        this.#keep(buf, pos);
        return -1;
      }
      const end = contentEnd(buf, pos, lf);
      if (buf[pos] === DOT) {
        if (run < pos) body.hash.update(buf.subarray(run, pos));
        if (end === pos + 1) {
          // The terminating "." line (RFC 1939 §3).
          this.#expected.shift();
          this.#body = undefined;
          done.push(finish(shape, body.status, body.lines, body.octets, body.hash));
          return lf + 1;
        }
        run = pos + 1; // the stuffed dot is not content
        body.octets += lf - pos;
        if (keepText) body.lines.push(buf.toString('latin1', pos + 1, end));
      } else {
        body.octets += lf + 1 - pos;
        if (keepText) body.lines.push(buf.toString('latin1', pos, end));
      }
      pos = lf + 1;
    }
  }

  #keep(buf: Buffer, from: number): void {
    if (from < buf.length) this.#carry = Buffer.from(buf.subarray(from)); // a copy: the chunk is not retained
  }
}

function finish(
  shape: Expect,
  status: { ok: boolean; text: string },
  lines: string[],
  octets: number,
  hash: Hash | undefined,
): Response {
  switch (shape.kind) {
    case 'single':
      return { kind: 'single', ...status };
    case 'lines':
      return { kind: 'lines', ...status, lines };
    case 'message':
      return { kind: 'message', ...status, octets, sha256: hash ? hash.digest('hex') : '' };
  }
}

function preview(buf: Buffer, pos: number): string {
  return buf.toString('latin1', pos, Math.min(buf.length, pos + 60));
}

/** STAT's "+OK nn mm" (RFC 1939 §5): the message count and the size in octets, or undefined. */
export function parseStat(text: string): { count: number; octets: number } | undefined {
  const match = /^(\d+) (\d+)(?: |$)/.exec(text);
  return match ? { count: Number(match[1]), octets: Number(match[2]) } : undefined;
}

/**
 * The lines of a UIDL or LIST listing (RFC 1939 §5, §7): "msg value" each, message numbers
 * increasing. Returns the values by message number, or an error naming the first bad line.
 */
export function parseListing(
  lines: readonly string[],
): { ok: true; values: Map<number, string> } | { ok: false; error: string } {
  const values = new Map<number, string>();
  let last = 0;
  for (const line of lines) {
    const match = /^(\d+) (\S+)$/.exec(line);
    if (!match) return { ok: false, error: `bad listing line: ${JSON.stringify(line.slice(0, 80))}` };
    const n = Number(match[1]);
    if (n <= last) return { ok: false, error: `message numbers not increasing at ${JSON.stringify(line)}` };
    last = n;
    values.set(n, match[2]!);
  }
  return { ok: true, values };
}
