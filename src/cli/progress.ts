/**
 * A progress bar on standard error for long CLI commands (export, import): redrawn in place on a
 * terminal, a line every 10% otherwise (logs, pipes).
 */
export class ProgressBar {
  readonly #label: string;
  readonly #stream: NodeJS.WriteStream;
  #total = 0;
  #done = 0;
  #lastDraw = 0;
  #lastTenth = -1;

  constructor(label: string, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#stream = stream;
  }

  total(total: number): void {
    this.#total = total;
    this.#draw(true);
  }

  advance(n: number): void {
    this.#done += n;
    this.#draw(false);
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    if (this.#total < this.#done) this.#total = this.#done;
    this.#draw(true);
    if (this.#stream.isTTY) this.#stream.write('\n');
  }

  #draw(force: boolean): void {
    const total = Math.max(this.#total, this.#done);
    const fraction = total === 0 ? 1 : this.#done / total;
    if (this.#stream.isTTY) {
      const now = Date.now();
      if (!force && now - this.#lastDraw < 100) return;
      this.#lastDraw = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      this.#stream.write(
        `\r${this.#label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)}% ${this.#done}/${total} messages`,
      );
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth === this.#lastTenth && !force) return;
    if (tenth === this.#lastTenth) return;
    this.#lastTenth = tenth;
    this.#stream.write(`${this.#label}: ${tenth * 10}% (${this.#done}/${total} messages)\n`);
  }
}
