/**
 * Delivering one message to the recipients of one domain, as DNS says: the route from
 * {@link findRoute} (MX in preference order, implicit MX, null MX), then each host's addresses in
 * turn until a session opens (RFC 5321 §5.1: on a connection failure or a refused greeting, try
 * the next address, then the next MX), then one transaction for all the recipients, on an idle
 * session of a {@link SessionPool} when there is one. The queue
 * runner (services/queue) decides what the outcomes mean (retry, bounce).
 */
import type { Resolver } from '../../dns/resolver.ts';
import { type Mailbox, parseMailbox } from '../../proto/smtp/address.ts';
import type { NotifyEvent } from '../../proto/smtp/command-types.ts';
import { SmtpClient } from './client.ts';
import { findRoute } from './mx.ts';
import {
  type Envelope,
  messageFromBuffer,
  type RecipientOutcome,
  type RecipientSpec,
  type Status,
  type Timeouts,
} from './types.ts';

/** The envelope of a queued message, as the queue keeps it (addresses as strings). */
export interface DomainEnvelope {
  /** '' for the null reverse path. */
  readonly sender: string;
  readonly recipients: readonly {
    readonly address: string;
    readonly notify?: readonly ('NEVER' | NotifyEvent)[] | undefined;
    readonly orcpt?: { readonly type: string; readonly address: string } | undefined;
  }[];
  readonly eightBit: boolean;
  readonly smtpUtf8: boolean;
  readonly ret?: 'FULL' | 'HDRS' | undefined;
  readonly envId?: string | undefined;
}

/** The outcome for one recipient, in the order of the envelope. */
export interface DomainOutcome {
  readonly status: Status;
  readonly code: number | null;
  readonly enhanced: string | null;
  readonly text: string;
}

export interface DomainDelivery {
  readonly outcomes: DomainOutcome[];
  /** The MX host whose server answered the transaction, if one did. */
  readonly remoteMta: string | undefined;
  /** The server offered DSN (RFC 3461): it reports success or failure itself. */
  readonly dsn: boolean;
}

/** Options of {@link deliverToDomain}. */
export interface DomainDeliveryOptions {
  readonly resolver: Resolver;
  readonly heloName: string;
  /** This host's names: an MX naming one of them is not used (RFC 5321 §5.1). */
  readonly localNames: readonly string[];
  /** The SMTP port (25; tests use their own). */
  readonly port: number;
  readonly timeouts?: Partial<Timeouts>;
  readonly signal?: AbortSignal;
  /** Source address to connect from. */
  readonly localAddress?: string | undefined;
  /** Idle sessions to reuse (several messages per connection); absent: one session per message. */
  readonly pool?: SessionPool | undefined;
}

/**
 * Idle SMTP sessions kept for a few seconds after a transaction, by server address and port, so
 * the next message to the same server needs no new connection, greeting, EHLO or TLS handshake
 * (RFC 5321 §3.3 allows many transactions per session). A session is used by one delivery at a
 * time; idle ones are closed with QUIT after `idleMs`.
 */
export class SessionPool {
  readonly #idleMs: number;
  readonly #maxIdle: number;
  readonly #idle = new Map<string, { client: SmtpClient; timer: NodeJS.Timeout }[]>();
  #closed = false;

  constructor(options: { idleMs: number; maxIdlePerServer?: number }) {
    this.#idleMs = options.idleMs;
    this.#maxIdle = options.maxIdlePerServer ?? 10;
  }

  /** An idle session with this server, taken out of the pool, or undefined. */
  take(key: string): SmtpClient | undefined {
    const list = this.#idle.get(key);
    const entry = list?.pop();
    if (list?.length === 0) this.#idle.delete(key);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    return entry.client;
  }

  /** Gives a session back after a transaction; it is closed instead when it cannot go on. */
  async release(key: string, client: SmtpClient): Promise<void> {
    const list = this.#idle.get(key) ?? [];
    if (this.#closed || !client.info.ready || client.info.failure !== null || list.length >= this.#maxIdle) {
      await client.quit();
      return;
    }
    const entry = {
      client,
      timer: setTimeout(() => {
        const current = this.#idle.get(key);
        const at = current?.indexOf(entry) ?? -1;
        if (at >= 0) current!.splice(at, 1);
        if (current?.length === 0) this.#idle.delete(key);
        void client.quit();
      }, this.#idleMs),
    };
    entry.timer.unref();
    list.push(entry);
    this.#idle.set(key, list);
  }

  /** Closes every idle session (QUIT) and keeps none from now on. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#idle.values()].flat();
    this.#idle.clear();
    for (const entry of all) clearTimeout(entry.timer);
    await Promise.allSettled(all.map((entry) => entry.client.quit()));
  }
}

/** Sends `content` to all `envelope.recipients` (one domain). Never throws for the network or DNS. */
export async function deliverToDomain(
  domain: string,
  envelope: DomainEnvelope,
  content: Buffer,
  options: DomainDeliveryOptions,
): Promise<DomainDelivery> {
  const all = (status: Status, enhanced: string | null, text: string, code: number | null = null) => ({
    outcomes: envelope.recipients.map(() => ({ status, code, enhanced, text })),
    remoteMta: undefined,
    dsn: false,
  });
  const from = envelope.sender === '' ? null : parseMailbox(envelope.sender);
  if (from !== null && !from.ok) return all('permanent', '5.1.7', `Bad sender address: ${from.reason}`);
  const specs: RecipientSpec[] = [];
  for (const r of envelope.recipients) {
    const parsed = parseMailbox(r.address);
    if (!parsed.ok) return all('permanent', '5.1.3', `Bad recipient address ${r.address}`);
    specs.push(recipientSpec(parsed.value, r));
  }
  const route = await findRoute(domain, options.resolver, { localNames: options.localNames });
  if (route.kind === 'failed')
    return all(route.permanent ? 'permanent' : 'temporary', route.enhanced, route.text);
  let last: DomainOutcome | undefined;
  let allPermanent = true;
  for (const host of route.hosts) {
    for (const address of host.addresses) {
      if (options.signal?.aborted) return all('temporary', '4.4.2', 'Delivery aborted (shutting down)');
      const connect = (tls: 'opportunistic' | 'none') =>
        SmtpClient.connect({
          host: address,
          port: options.port,
          peerName: host.name,
          heloName: options.heloName,
          timeouts: options.timeouts,
          signal: options.signal,
          localAddress: options.localAddress,
          tls,
        });
      const key = `${address} ${options.port}`;
      const pooled = options.pool?.take(key);
      let client = pooled ?? (await connect('opportunistic'));
      if (!client.info.ready && client.info.failure?.stage === 'starttls') {
        // Opportunistic TLS (RFC 7435 §3): a failed handshake is no reason not to deliver in clear.
        client.close();
        client = await connect('none');
      }
      const info = client.info;
      if (!info.ready) {
        // RFC 5321 §5.1: this host could not be reached or refused us: try the next one.
        const f = info.failure;
        last = {
          status: f?.status ?? 'temporary',
          code: f?.code ?? null,
          enhanced: f?.enhanced ?? null,
          text: `${host.name}[${address}]: ${f?.text ?? 'session failed'}`,
        };
        allPermanent &&= f?.status === 'permanent';
        client.close();
        continue;
      }
      const transaction: Envelope = {
        from: from === null ? null : from.value,
        recipients: specs,
        body: envelope.eightBit ? '8BITMIME' : undefined,
        smtputf8: envelope.smtpUtf8,
        ...(envelope.ret ? { ret: envelope.ret } : {}),
        ...(envelope.envId ? { envid: envelope.envId } : {}),
      };
      let outcomes = await client.send(transaction, messageFromBuffer(content));
      if (pooled === client && outcomes.every(closedBeforeRecipients)) {
        // The server closed the idle session meanwhile: nothing was accepted, start afresh.
        client.close();
        client = await connect('opportunistic');
        if (!client.info.ready) {
          client.close();
          continue;
        }
        outcomes = await client.send(transaction, messageFromBuffer(content));
      }
      const dsn = client.info.extensions.dsn;
      if (options.pool) await options.pool.release(key, client);
      else await client.quit();
      return {
        outcomes: outcomes.map((o) => ({
          status: o.status,
          code: o.code,
          enhanced: o.enhanced,
          text: o.code === null ? `${host.name}[${address}]: ${o.text}` : o.text,
        })),
        remoteMta: host.name,
        dsn,
      };
    }
  }
  const failure = last ?? {
    status: 'temporary' as const,
    code: null,
    enhanced: '4.4.1',
    text: 'No host tried',
  };
  return all(allPermanent ? 'permanent' : 'temporary', failure.enhanced, failure.text, failure.code);
}

/** A network failure before any recipient was given: safe to try again on a new connection. */
function closedBeforeRecipients(o: RecipientOutcome): boolean {
  return o.status === 'temporary' && o.code === null && (o.stage === 'mail' || o.stage === 'rset');
}

function recipientSpec(mailbox: Mailbox, r: DomainEnvelope['recipients'][number]): RecipientSpec {
  const notify = r.notify?.includes('NEVER')
    ? ('NEVER' as const)
    : (r.notify?.filter((n): n is NotifyEvent => n !== 'NEVER') ?? undefined);
  return {
    address: mailbox,
    ...(notify !== undefined && (notify === 'NEVER' || notify.length > 0) ? { notify } : {}),
    ...(r.orcpt ? { orcpt: { addrType: r.orcpt.type, address: r.orcpt.address } } : {}),
  };
}
