/**
 * Coalesced directory fsyncs: many files created in one directory at about the same time share
 * one fsync of the directory (group commit). A caller's sync always starts after its call, so a
 * file created before `sync(dir)` is durable in the directory once the promise resolves.
 */
import { open } from 'node:fs/promises';

interface DirState {
  running: Promise<void> | undefined;
  next: Promise<void> | undefined;
}

export class DirSyncer {
  readonly #dirs = new Map<string, DirState>();

  sync(dir: string): Promise<void> {
    let state = this.#dirs.get(dir);
    if (!state) {
      state = { running: undefined, next: undefined };
      this.#dirs.set(dir, state);
    }
    if (!state.running) {
      state.running = this.#run(dir, state);
      return state.running;
    }
    // A sync is under way that may have started before our file was linked: wait for the next one.
    state.next ??= state.running.then(
      () => this.#startNext(dir, state),
      () => this.#startNext(dir, state),
    );
    return state.next;
  }

  #startNext(dir: string, state: DirState): Promise<void> {
    state.next = undefined;
    state.running = this.#run(dir, state);
    return state.running;
  }

  async #run(dir: string, state: DirState): Promise<void> {
    try {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } finally {
      if (!state.next) {
        state.running = undefined;
        this.#dirs.delete(dir);
      }
    }
  }
}
