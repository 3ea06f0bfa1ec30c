/**
 * The configuration schema: one TOML file, every key optional, defaults that work with no file.
 * Validation errors name the key's path and the problem (see `load.ts`).
 */
import { isIP } from 'node:net';
import { z } from 'zod';

/** Names of the listeners Loft knows; each maps to a protocol and a TLS mode. */
export const LISTENER_NAMES = [
  'smtp',
  'submission',
  'submissions',
  'imap',
  'imaps',
  'pop3',
  'pop3s',
] as const;
export type ListenerName = (typeof LISTENER_NAMES)[number];

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]*):\d{1,5}$/, 'expected HOST:PORT, e.g. 0.0.0.0:25 or [::]:25');

const seconds = z.number().nonnegative();

/** A DNS server: an IP address, optionally with a port (`IPv4:PORT`, `[IPv6]:PORT`). */
export const DNS_SERVER =
  /^(?:(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?|\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?|([0-9a-fA-F:.]*:[0-9a-fA-F:.]*))$/;
const dnsServer = z.string().refine((s) => {
  const m = DNS_SERVER.exec(s);
  const host = m?.[1] ?? m?.[3] ?? m?.[5];
  const port = m?.[2] ?? m?.[4];
  return host !== undefined && isIP(host) !== 0 && (port === undefined || Number(port) <= 65535);
}, 'expected an IP address with an optional port, e.g. 127.0.0.1:53 or [::1]:53');

export const configSchema = z
  .object({
    /** The server's own name: in the greeting, Received headers, and the self-signed certificate. */
    hostname: z.string().min(1).optional(),
    /** The data folder: SQLite database, message files, certificates. */
    data: z.string().min(1).default('./loft-data'),
    /**
     * Where the index lives: absent for SQLite in the data folder (the default), or a PostgreSQL
     * URL (`postgres://user@host:5432/db`, optionally `?schema=NAME`) shared by several processes.
     */
    storage: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL (leave it out for SQLite)')
      .optional(),
    /** Message bodies up to this many octets are kept inline in the database; larger ones are files. */
    inline_body_limit: z
      .number()
      .int()
      .nonnegative()
      .default(128 * 1024),
    /** Where each protocol listens; a listener absent here is not started. */
    listen: z
      .object({
        smtp: z.array(hostPort).default(['0.0.0.0:25']),
        submission: z.array(hostPort).default(['0.0.0.0:587']),
        submissions: z.array(hostPort).default(['0.0.0.0:465']),
        imap: z.array(hostPort).default(['0.0.0.0:143']),
        imaps: z.array(hostPort).default(['0.0.0.0:993']),
        pop3: z.array(hostPort).default(['0.0.0.0:110']),
        pop3s: z.array(hostPort).default(['0.0.0.0:995']),
      })
      .strict()
      .prefault({}),
    tls: z
      .object({
        /** PEM certificate chain and key files; when both are absent a self-signed pair is made in the data folder. */
        cert: z.string().optional(),
        key: z.string().optional(),
      })
      .strict()
      .refine((t) => (t.cert === undefined) === (t.key === undefined), 'tls.cert and tls.key go together')
      .prefault({}),
    auth: z
      .object({
        /** When plaintext mechanisms (PLAIN, LOGIN, USER/PASS) may be used: only over TLS, or also from loopback, or always. */
        plaintext: z.enum(['tls', 'tls-or-loopback', 'always']).default('tls-or-loopback'),
        /** Delay before answering a failed authentication, in seconds. */
        failure_delay: seconds.default(2),
        /** Failed authentications allowed per client IP within `failure_window` before further attempts are refused. */
        max_failures_per_ip: z.number().int().positive().default(10),
        failure_window: seconds.default(300),
        /** Check SPF, DKIM and DMARC of mail arriving on port 25 and add Authentication-Results (RFC 8601). */
        verify_mx: z.boolean().default(true),
        /** DKIM-sign what users submit for remote recipients with their domain's keys (RFC 6376). */
        dkim_sign: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    smtp: z
      .object({
        /** Largest message accepted, in octets (RFC 1870 SIZE). */
        max_message_size: z
          .number()
          .int()
          .positive()
          .default(50 * 1024 * 1024),
        /** Recipients per message (RFC 5321 §4.5.3.1.8 requires at least 100). */
        max_recipients: z.number().int().min(1).default(100),
        /** Longest command line, in octets including CRLF (RFC 5321 §4.5.3.1.4). */
        max_command_line: z.number().int().min(512).default(512),
        /** Longest text line of a message, in octets including CRLF (RFC 5321 §4.5.3.1.6); 0 disables the check. */
        max_text_line: z.number().int().nonnegative().default(1000),
        /** Bare CR or LF in message data: stored as CRLF, or the message refused. */
        bare_line_ends: z.enum(['normalize', 'reject']).default('normalize'),
        /** Time to wait for a command (RFC 5321 §4.5.3.2.7: at least 5 minutes). */
        command_timeout: seconds.default(300),
        /** Time to wait for each block of data during DATA/BDAT (RFC 5321 §4.5.3.2.6: 3 minutes). */
        data_timeout: seconds.default(180),
        /** Errors (syntax or policy) tolerated in one session before it is closed with 421. */
        max_errors: z.number().int().positive().default(20),
      })
      .strict()
      .prefault({}),
    imap: z
      .object({
        /** Autologout after this many seconds without a command (RFC 9051 §5.4: at least 30 minutes). */
        idle_timeout: z.number().min(1).default(1800),
        /** Longest command line, without its literals (RFC 9051 §4: at least 8192). */
        max_line_length: z.number().int().min(1024).default(65536),
        /** Largest message APPEND takes (APPENDLIMIT, RFC 7889). */
        append_limit: z
          .number()
          .int()
          .positive()
          .default(50 * 1024 * 1024),
        /** Sessions one account may have logged in at once over IMAP and IMAPS (like Dovecot's mail_max_userip_connections, but per user). */
        max_connections_per_user: z.number().int().positive().default(10),
      })
      .strict()
      .prefault({}),
    pop3: z
      .object({
        /** Inactivity, in seconds, before a session is closed without deleting anything (RFC 1939 §3: at least 10 minutes). */
        idle_timeout: z.number().positive().default(600),
        /** Whether RETR marks the message \Seen (as Dovecot does); TOP never does. */
        retr_sets_seen: z.boolean().default(true),
        /** Longest command line, in octets including CRLF (RFC 2449 §4: 255); AUTH exchange lines may be up to 8192. */
        max_command_line: z.number().int().min(255).max(8192).default(255),
      })
      .strict()
      .prefault({}),
    dns: z
      .object({
        /** DNS servers for every lookup (MX, A, AAAA, TXT, PTR); empty: the system's (/etc/resolv.conf). */
        servers: z.array(dnsServer).default([]),
        /** Seconds to wait for one answer before asking again (c-ares doubles it on each retry). */
        timeout: z.number().positive().default(5),
        /** Questions sent to each server before the lookup is a temporary failure. */
        tries: z.number().int().min(1).default(2),
      })
      .strict()
      .prefault({}),
    dmarc: z
      .object({
        /** A DMARC failure under p=reject (RFC 7489 §6.3): refused with 550 5.7.1, delivered into Junk, or delivered. */
        on_reject: z.enum(['reject', 'junk', 'accept']).default('reject'),
        /** A DMARC failure under p=quarantine: delivered into Junk, refused, or delivered. */
        on_quarantine: z.enum(['reject', 'junk', 'accept']).default('junk'),
      })
      .strict()
      .prefault({}),
    queue: z
      .object({
        /** Run the outbound delivery runner in this process (several processes may share one PostgreSQL queue). */
        enabled: z.boolean().default(true),
        /** The port outbound SMTP connects to (RFC 5321: 25; tests use their own). */
        port: z.number().int().min(1).max(65535).default(25),
        /** Source address for outbound connections; absent: the system's choice. */
        source_address: z
          .string()
          .refine((s) => isIP(s) !== 0, 'expected an IP address')
          .optional(),
        /** Deliveries (one message to one domain each) in progress at once. */
        concurrency: z.number().int().positive().default(10),
        /** Seconds a runner holds the recipients it works on (renewed while it works); after a crash they are retried once it expires. */
        lease: z.number().positive().default(900),
        /** Longest wait, in seconds, between two looks at the queue (new mail wakes the runner at once). */
        poll_interval: z.number().positive().default(30),
        /** Seconds before the first retry (RFC 5321 §4.5.4.1: at least 30 minutes is suggested; 5 minutes here). */
        retry_initial: seconds.default(300),
        /** Each further wait is this many times the previous one… */
        retry_factor: z.number().min(1).default(2),
        /** …up to this many seconds. */
        retry_max: seconds.default(4 * 3600),
        /** Seconds after which an undelivered message fails and is returned (RFC 5321 §4.5.4.1: 4–5 days). */
        max_age: seconds.default(5 * 86400),
        /** Seconds after which a delay notice goes to senders who asked (NOTIFY=DELAY); 0: none. */
        delay_notice: seconds.default(0),
        /** Seconds an idle connection to a remote server is kept for the next message to it; 0: one connection per message. */
        reuse_idle: seconds.default(5),
        /** Seconds to wait for a TCP connection to a remote server. */
        connect_timeout: z.number().positive().default(30),
        /**
         * Seconds to wait for any one reply or write of a remote server, replacing the RFC 5321
         * §4.5.3.2 values (5 minutes for most, 10 for the end of data); absent: those values.
         */
        reply_timeout: z.number().positive().optional(),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        connections: z.number().int().positive().default(1000),
        connections_per_ip: z.number().int().positive().default(50),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
        /** Log protocol lines (`commands`), also credentials (`auth`), also message bodies (`bodies`). Off by default. */
        trace: z.enum(['off', 'commands', 'auth', 'bodies']).default('off'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The validated configuration with every default filled in. */
export type Config = z.infer<typeof configSchema>;
