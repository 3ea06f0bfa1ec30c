/**
 * What the queue runner needs from the network, defined where it is consumed: send one message
 * to the recipients of one domain and say what became of each. The composition root plugs in
 * Loft's SMTP client (`client/smtp/outbound.ts`); the runner never opens a socket itself.
 */

/** The envelope of one transaction at one domain. */
export interface OutboundEnvelope {
  /** '' for the null reverse path (reports are sent with `MAIL FROM:<>`). */
  readonly sender: string;
  readonly recipients: readonly {
    readonly address: string;
    readonly notify?: readonly ('NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY')[] | undefined;
    readonly orcpt?: { readonly type: string; readonly address: string } | undefined;
  }[];
  readonly eightBit: boolean;
  readonly smtpUtf8: boolean;
  readonly ret?: 'FULL' | 'HDRS' | undefined;
  readonly envId?: string | undefined;
}

/** One recipient's outcome: 2xx delivered, 4xx or a network error temporary, 5xx permanent. */
export interface OutboundOutcome {
  readonly status: 'delivered' | 'temporary' | 'permanent';
  readonly code: number | null;
  readonly enhanced: string | null;
  readonly text: string;
}

export interface OutboundResult {
  /** One per recipient, in the order of the envelope. */
  readonly outcomes: readonly OutboundOutcome[];
  /** The host that took the transaction, if any (Remote-MTA of a report). */
  readonly remoteMta: string | undefined;
  /** The peer offered DSN: it reports success itself, so Loft reports "relayed" only without it. */
  readonly dsn: boolean;
}

export interface Transport {
  /** Never rejects for network or DNS problems: those are temporary outcomes. */
  send(
    domain: string,
    envelope: OutboundEnvelope,
    content: Buffer,
    signal: AbortSignal,
  ): Promise<OutboundResult>;
  /** Closes what the transport keeps open (idle connections); called when the runner stops. */
  close?(): Promise<void>;
}
