/**
 * The open multipart boundaries while a message is split, and the boundary-line test
 * (RFC 2046 §5.1.1) as Dovecot applies it: a line is a boundary line when it starts with `--` and
 * an open boundary; only that prefix must match (trailing text is ignored), the longest matching
 * boundary wins, and the innermost one on a tie.
 *
 * Built to stay linear on hostile input: a two-byte table rejects most `--` lines at once, and
 * the common prefixes between open boundaries (computed once per push) let one comparison with the
 * innermost boundary decide most of the others, so a deep stack of look-alike boundaries costs
 * little more than one.
 */

/** One open boundary. */
export interface OpenBoundary {
  readonly bytes: Buffer;
  /** `lcp[j]`: length of the common prefix with the boundary below it at stack index `j`. */
  readonly lcp: number[];
}

/** A stack of open boundaries, innermost last. */
export class BoundaryStack {
  readonly #entries: OpenBoundary[] = [];
  /** Open one-byte boundaries per byte value. */
  readonly #singles = new Uint16Array(256);
  /** Open longer boundaries per first two bytes (a map: a 64K table per message costs more than it saves). */
  readonly #pairs = new Map<number, number>();

  /** Number of open boundaries. */
  get size(): number {
    return this.#entries.length;
  }

  /** Opens `bytes` (non-empty) as the innermost boundary and returns its entry. */
  push(bytes: Buffer): OpenBoundary {
    const lcp = this.#entries.map((below) => commonPrefix(bytes, below.bytes));
    const entry: OpenBoundary = { bytes, lcp };
    this.#entries.push(entry);
    this.#count(entry, 1);
    return entry;
  }

  /** Closes the innermost boundary. */
  pop(): void {
    const entry = this.#entries.pop();
    if (entry !== undefined) this.#count(entry, -1);
  }

  /** A cheap necessary condition for {@link match}: an open boundary's first bytes are at `at`. */
  mayMatch(buf: Buffer, at: number): boolean {
    const c0 = buf[at];
    if (c0 === undefined) return false;
    if (this.#singles[c0]! > 0) return true;
    const c1 = buf[at + 1];
    return c1 !== undefined && (this.#pairs.get((c0 << 8) | c1) ?? 0) > 0;
  }

  /**
   * The open boundary whose bytes start at `at` (just after a line's `--`): the longest, the
   * innermost on a tie; undefined when none does.
   */
  match(buf: Buffer, at: number): OpenBoundary | undefined {
    const entries = this.#entries;
    const top = entries[entries.length - 1];
    if (top === undefined) return undefined;
    const avail = buf.length - at;
    // How far the line follows the innermost boundary; every other one is judged against it.
    const mt = matchLength(buf, at, top.bytes, 0);
    let best = mt === top.bytes.length ? top : undefined;
    for (let j = entries.length - 2; j >= 0; j--) {
      const b = entries[j]!;
      const n = b.bytes.length;
      if (n > avail || (best !== undefined && n <= best.bytes.length)) continue;
      const l = top.lcp[j]!;
      // l < mt: b leaves the innermost boundary at l, where the line still follows it.
      // l > mt: b follows the innermost boundary past mt, where the line leaves it.
      const m = l < mt ? l : l > mt ? mt : matchLength(buf, at, b.bytes, l);
      if (m === n) best = b;
    }
    return best;
  }

  #count(entry: OpenBoundary, delta: number): void {
    const b = entry.bytes;
    if (b.length === 1) this.#singles[b[0]!]! += delta;
    else {
      const key = (b[0]! << 8) | b[1]!;
      this.#pairs.set(key, (this.#pairs.get(key) ?? 0) + delta);
    }
  }
}

/** How many bytes of `bytes`, from `from` on, `buf` repeats at `at + from` (`from` plus that count). */
function matchLength(buf: Buffer, at: number, bytes: Buffer, from: number): number {
  let i = from;
  const n = Math.min(bytes.length, buf.length - at);
  while (i < n && buf[at + i] === bytes[i]) i++;
  return i;
}

function commonPrefix(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
