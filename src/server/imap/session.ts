/**
 * One IMAP session (RFC 9051, RFC 3501): bytes go through the pure framer, each complete command
 * is parsed whole, its state is checked in one place (the table), then its handler runs. Before
 * each tagged response the session reports what changed in the selected mailbox, as RFC 9051
 * §7.5.1 allows for that command.
 */
import { type Logger, type TraceLevel, traceAllows } from '../../core/log.ts';
import {
  type EncodeOptions,
  encodeContinuation,
  encodeTagged,
  encodeUntagged,
  encodeUntaggedStatus,
  type ResponseCode,
} from '../../proto/imap/encode.ts';
import { CommandFramer, type FrameEvent } from '../../proto/imap/framer.ts';
import { encodeMutf7 } from '../../proto/imap/mutf7.ts';
import { type MailboxName, normalizeInbox, parseCommand } from '../../proto/imap/parse/index.ts';
import { atom, type ImapValue } from '../../proto/imap/value.ts';
import { type Connection, ConnectionClosed, isLoopback } from '../net/connection.ts';
import { flagsResponse, sendHighestModseq } from './condstore.ts';
import { refusalForError } from './errors.ts';
import { sequenceSetOf } from './search/response.ts';
import type { SelectedMailbox } from './selected.ts';
import type { ImapServices } from './services.ts';
import type { ImapSettings } from './settings.ts';
import { COMMANDS, capabilities, stateRefusal } from './table.ts';

export type ImapState = 'not-authenticated' | 'authenticated' | 'selected';

/** Output held back for pipelined commands before it must be written (and read by the client). */
export const OUTPUT_HIGH_WATER = 64 * 1024;

/** How a command ends: its tagged response (sent after any mailbox updates). */
export interface Completion {
  kind: 'OK' | 'NO' | 'BAD';
  text: string;
  code?: ResponseCode | undefined;
  /** The command already sent its tagged response (STARTTLS, before the handshake). */
  silent?: boolean;
}

export class ImapSession {
  readonly conn: Connection;
  readonly settings: ImapSettings;
  readonly services: ImapServices;
  readonly log: Logger;
  readonly trace: TraceLevel;
  readonly framer: CommandFramer;
  state: ImapState = 'not-authenticated';
  account: { id: number; address: string } | undefined;
  selected: SelectedMailbox | undefined;
  /**
   * Extensions the client turned on (RFC 5161 ENABLE): IMAP4REV2, UTF8=ACCEPT, QRESYNC, and
   * CONDSTORE, also turned on by any CONDSTORE enabling command (RFC 7162 §3.1).
   */
  readonly enabled = new Set<string>();
  ending = false;
  #output: Buffer[] = [];
  #outputBytes = 0;
  readonly #onEnd: (() => void)[] = [];

  constructor(
    conn: Connection,
    settings: ImapSettings,
    services: ImapServices,
    log: Logger,
    trace: TraceLevel,
  ) {
    this.conn = conn;
    this.settings = settings;
    this.services = services;
    this.log = log;
    this.trace = trace;
    this.framer = new CommandFramer({
      maxLineLength: settings.maxLineLength,
      maxLiteralSize: settings.appendLimit,
      maxNonSyncLiteralSize: settings.appendLimit,
    });
  }

  /** Encoding options: UTF-8 strings for clients that enabled IMAP4rev2 or UTF8=ACCEPT. */
  get encoding(): EncodeOptions {
    return { utf8: this.utf8 };
  }

  get utf8(): boolean {
    return this.enabled.has('IMAP4REV2') || this.enabled.has('UTF8=ACCEPT');
  }

  get rev2(): boolean {
    return this.enabled.has('IMAP4REV2');
  }

  /** RFC 7162 §3.1: FETCH responses with flags carry MODSEQ. */
  get condstore(): boolean {
    return this.enabled.has('CONDSTORE');
  }

  /** RFC 7162 §3.2.10: expunges are reported as VANISHED. */
  get qresync(): boolean {
    return this.enabled.has('QRESYNC');
  }

  /**
   * Reports messages this session expunged (EXPUNGE, UID EXPUNGE, MOVE): `* n EXPUNGE` from the
   * highest sequence number down, or `* VANISHED uids` once QRESYNC is on (RFC 7162 §3.2.10).
   * Call before `selected.forget`, while the sequence numbers are still known.
   */
  reportExpunged(uids: Iterable<number>): void {
    const selected = this.selected!;
    const known = [...uids].filter((uid) => selected.seqOf(uid) !== undefined).sort((a, b) => a - b);
    if (known.length === 0) return;
    if (this.qresync) {
      this.untagged(atom('VANISHED'), atom(sequenceSetOf(known)));
      return;
    }
    // Each EXPUNGE renumbers the messages after it (RFC 9051 §7.5.1): highest first.
    const seqs = known.map((uid) => selected.seqOf(uid)!).sort((a, b) => b - a);
    for (const seq of seqs) this.untagged(seq, atom('EXPUNGE'));
  }

  get remoteIp(): string {
    return this.conn.remoteAddress;
  }

  /** True when LOGIN and plaintext SASL mechanisms may be used (RFC 9051 §6.2.3 LOGINDISABLED). */
  get plaintextAllowed(): boolean {
    const policy = this.settings.plaintextAuth;
    return (
      policy === 'always' || this.conn.secure || (policy === 'tls-or-loopback' && isLoopback(this.remoteIp))
    );
  }

  /**
   * The mailbox name the client meant, in Loft's UTF-8 form (NFC: names are compared after
   * Unicode normalisation; `inbox/x` is `INBOX/x`); undefined when invalid modified UTF-7.
   */
  mailboxName(name: MailboxName): string | undefined {
    const value = this.utf8 ? name.utf8 : name.mutf7;
    return value === null ? undefined : normalizeInbox(value.normalize('NFC'), '/');
  }

  /** A mailbox name as this client spells it: UTF-8, or modified UTF-7 for IMAP4rev1 clients. */
  wireName(name: string): string {
    return this.utf8 ? name : encodeMutf7(name);
  }

  /** Queues raw bytes. */
  send(data: Buffer): void {
    if (traceAllows(this.trace, 'commands'))
      this.log.trace({ event: 'imap.response', line: data.toString('utf8').trimEnd() });
    this.#output.push(data);
    this.#outputBytes += data.length;
  }

  /** Runs `fn` once when the session ends, however it ends. */
  onEnd(fn: () => void): void {
    this.#onEnd.push(fn);
  }

  untagged(...values: ImapValue[]): void {
    this.send(encodeUntagged(values, this.encoding));
  }

  untaggedStatus(kind: 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH', text: string, code?: ResponseCode): void {
    this.send(encodeUntaggedStatus({ kind, text, code }, this.encoding));
  }

  tagged(tag: string, kind: 'OK' | 'NO' | 'BAD', text: string, code?: ResponseCode): void {
    this.send(encodeTagged(tag, { kind, text, code }, this.encoding));
  }

  async flush(): Promise<void> {
    if (this.#output.length === 0) return;
    const data = this.#output.length === 1 ? this.#output[0]! : this.#output;
    this.#output = [];
    this.#outputBytes = 0;
    await this.conn.write(data, this.settings.idleTimeoutMs);
  }

  /** Reports what changed in the selected mailbox (RFC 9051 §7.5.1); `allowExpunge` false during FETCH, STORE, SEARCH. */
  async reportUpdates(allowExpunge: boolean): Promise<void> {
    const selected = this.selected;
    if (!selected?.hasPending) return;
    const updates = await selected.takeUpdates(allowExpunge);
    if (this.qresync) {
      // RFC 7162 §3.2.10: VANISHED instead of EXPUNGE, by UID.
      if (updates.vanished.length > 0) this.untagged(atom('VANISHED'), atom(sequenceSetOf(updates.vanished)));
    } else {
      for (const seq of updates.expunged) this.untagged(seq, atom('EXPUNGE'));
    }
    if (updates.exists !== undefined) {
      this.untagged(updates.exists, atom('EXISTS'));
      if (!this.rev2) this.untagged(0, atom('RECENT'));
    }
    if (updates.flagsChanged.length > 0) {
      const rows = await this.services.mailboxes.messagesByUid(
        selected.mailbox.id,
        updates.flagsChanged.map((f) => f.uid),
      );
      for (const row of rows) {
        const seq = selected.seqOf(row.uid);
        if (seq !== undefined) this.untagged(seq, atom('FETCH'), flagsResponse(this, row, true));
      }
    }
    // RFC 7162 §3.2: while an expunge is held back, a HIGHESTMODSEQ below it, so a client that
    // keeps the MODSEQs it saw does not skip the expunge when it resynchronises later.
    const held = allowExpunge ? undefined : selected.heldExpungeModseq;
    if (held !== undefined && this.condstore) sendHighestModseq(this, held - 1);
  }

  /** Waits for the next framer event, reading more input as needed. */
  async nextEvent(timeoutMs: number): Promise<FrameEvent> {
    for (;;) {
      const event = this.framer.next();
      if (event) return event;
      await this.conn.feed((chunk) => {
        this.framer.push(chunk);
        return { used: chunk.length, done: true };
      }, timeoutMs);
    }
  }

  /** Leaves the selected state (CLOSE, UNSELECT, a new SELECT, LOGOUT). */
  deselect(): void {
    this.selected?.close();
    this.selected = undefined;
    if (this.state === 'selected') this.state = 'authenticated';
  }

  async run(shutdown: AbortSignal): Promise<void> {
    this.conn.beforeWait = () => this.flush();
    const onShutdown = (): void => {
      this.ending = true;
      this.untaggedStatus('BYE', 'Server shutting down');
      void this.flush().then(() => this.conn.close());
    };
    shutdown.addEventListener('abort', onShutdown, { once: true });
    try {
      this.untaggedStatus('OK', `${this.settings.hostname} Loft IMAP ready`, {
        name: 'CAPABILITY',
        args: capabilities(this).map(atom),
      });
      while (!this.ending) {
        const event = await this.nextEvent(this.settings.idleTimeoutMs);
        if (this.ending) break;
        await this.#handle(event);
        // A client that pipelines without reading meets backpressure: once this much output
        // waits, it is written (waiting for the client to read it) before the next command
        // runs, and nothing more is read meanwhile, so pipelining (RFC 9051 §5.5) costs bounded memory.
        if (this.#outputBytes >= OUTPUT_HIGH_WATER) await this.flush();
      }
      await this.flush();
    } catch (err) {
      if (!(err instanceof ConnectionClosed)) throw err;
      if (err.reason === 'timeout') {
        this.untaggedStatus('BYE', 'Autologout; idle for too long'); // RFC 9051 §5.4
      }
      await this.flush().catch(() => {});
      this.log.debug({ event: 'imap.closed', reason: err.reason });
    } finally {
      this.deselect();
      for (const fn of this.#onEnd.splice(0)) fn();
      shutdown.removeEventListener('abort', onShutdown);
    }
  }

  async #handle(event: FrameEvent): Promise<void> {
    switch (event.kind) {
      case 'continue': {
        // A synchronizing literal: only APPEND (and LOGIN/AUTHENTICATE arguments) may send one
        // before the server agrees; refuse early what could not succeed (RFC 9051 §7.5).
        if (event.command === 'APPEND' && this.state === 'not-authenticated') {
          this.framer.skipCommand();
          if (event.tag) this.tagged(event.tag, 'NO', 'Log in first');
          return;
        }
        this.send(encodeContinuation('Ready'));
        await this.flush();
        return;
      }
      case 'error': {
        if (event.tag)
          this.tagged(
            event.tag,
            'BAD',
            event.text,
            event.reason === 'literal-too-large' ? { name: 'TOOBIG' } : undefined,
          );
        else this.untaggedStatus('BAD', event.text);
        if (event.fatal) {
          this.untaggedStatus('BYE', 'Cannot continue after this error');
          this.ending = true;
        }
        return;
      }
      case 'line':
        // Plain lines only come in line mode, which commands (IDLE, AUTHENTICATE) handle themselves.
        this.untaggedStatus('BAD', 'Unexpected continuation line');
        return;
      case 'command':
        break;
    }
    const parsed = parseCommand(event.unit);
    if (!parsed.ok) {
      if (parsed.tag) this.tagged(parsed.tag, 'BAD', parsed.text);
      else this.untaggedStatus('BAD', parsed.text);
      return;
    }
    const { tag, command } = parsed;
    if (traceAllows(this.trace, 'commands')) {
      const hidden =
        (command.name === 'LOGIN' || command.name === 'AUTHENTICATE') && !traceAllows(this.trace, 'auth');
      this.log.trace({ event: 'imap.command', tag, name: command.name, ...(hidden ? {} : { command }) });
    }
    const spec = COMMANDS[command.name];
    if (!spec) {
      this.tagged(tag, 'BAD', `${command.name} is not supported`);
      return;
    }
    const refusal = stateRefusal(this, spec);
    if (refusal) {
      this.tagged(tag, 'BAD', refusal);
      return;
    }
    let completion: Completion;
    try {
      completion = await spec.handler(this, tag, command as never);
    } catch (err) {
      if (err instanceof ConnectionClosed) throw err;
      const refusal = refusalForError(err);
      if (refusal.code === 'SERVERBUG' || refusal.code === 'UNAVAILABLE') {
        this.log.error({ event: 'imap.command.failed', name: command.name, err }, 'command failed');
      }
      completion = { kind: 'NO', text: refusal.text, code: { name: refusal.code } };
    }
    // RFC 9051 §7.5.1: no EXPUNGE while answering FETCH, STORE, SEARCH or SORT (their UID forms may).
    const uid = 'uid' in command && command.uid === true;
    await this.reportUpdates(!(spec.holdsExpunges && !uid)).catch((err: unknown) =>
      this.log.error({ event: 'imap.update.failed', err }, 'reporting mailbox changes failed'),
    );
    if (!completion.silent) this.tagged(tag, completion.kind, completion.text, completion.code);
  }
}
