/**
 * A POP3 listener: port 110 with STLS (RFC 1939, RFC 2595) or port 995 with implicit TLS
 * (RFC 8314 §3.3), the same engine.
 */
import type { Config } from '../../config/schema.ts';
import type { FailureLimiter } from '../../core/rate-limit.ts';
import { encodeErr } from '../../proto/pop3/response.ts';
import type { ListenerOptions } from '../net/listener.ts';
import type { TlsMaterial } from '../net/tls.ts';
import type { Pop3Services } from './services.ts';
import { Pop3Session } from './session.ts';
import type { Pop3Settings } from './settings.ts';

export interface Pop3ListenerInput {
  name: 'pop3' | 'pop3s';
  host: string;
  port: number;
  config: Config;
  hostname: string;
  tls: TlsMaterial;
  services: Omit<Pop3Services, 'authFailures'>;
  /** Shared with SMTP: failed logins per client IP across protocols. */
  authFailures: FailureLimiter;
  /** The server secret (data folder), for SCRAM's fake salts of unknown users. */
  secret: Buffer;
}

/** Longest AUTH line accepted (RFC 5034 §4 allows SASL responses beyond the 255-octet command limit). */
const MAX_AUTH_LINE = 8192;
/** Lease of the maildrop lock (renewed every third of it). */
const LOCK_LEASE_MS = 60_000;

/** Settings for one POP3 listener from the configuration. */
export function pop3Settings(input: Pop3ListenerInput): Pop3Settings {
  const { config } = input;
  return {
    hostname: input.hostname,
    tls: input.tls.context,
    idleTimeoutMs: config.pop3.idle_timeout * 1000,
    maxCommandLine: config.pop3.max_command_line,
    maxAuthLine: Math.max(MAX_AUTH_LINE, config.pop3.max_command_line),
    plaintextAuth: config.auth.plaintext,
    authFailureDelayMs: config.auth.failure_delay * 1000,
    retrSetsSeen: config.pop3.retr_sets_seen,
    sasl: { secret: input.secret },
    lockLeaseMs: LOCK_LEASE_MS,
  };
}

export function pop3Listener(input: Pop3ListenerInput): ListenerOptions {
  const settings = pop3Settings(input);
  const services: Pop3Services = { ...input.services, authFailures: input.authFailures };
  return {
    name: input.name,
    host: input.host,
    port: input.port,
    tls: input.name === 'pop3s' ? input.tls.context : undefined,
    async handle(conn, ctx) {
      const session = new Pop3Session(conn, settings, services, ctx.log, input.config.log.trace);
      await session.run(ctx.shutdown);
    },
    async refuse(conn, reason) {
      await conn.write(encodeErr(`${input.hostname} ${reason}, try again later`, 'SYS/TEMP'));
    },
  };
}
