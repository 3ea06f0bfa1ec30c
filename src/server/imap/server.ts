/**
 * An IMAP listener: port 143 (STARTTLS) or 993 (implicit TLS, RFC 8314).
 */
import type { Config } from '../../config/schema.ts';
import type { FailureLimiter, SessionCounter } from '../../core/rate-limit.ts';
import { encodeUntaggedStatus } from '../../proto/imap/encode.ts';
import type { ListenerOptions } from '../net/listener.ts';
import type { TlsMaterial } from '../net/tls.ts';
import type { ImapServices } from './services.ts';
import { ImapSession } from './session.ts';
import type { ImapSettings } from './settings.ts';

export interface ImapListenerInput {
  name: 'imap' | 'imaps';
  host: string;
  port: number;
  config: Config;
  hostname: string;
  tls: TlsMaterial;
  services: Omit<ImapServices, 'authFailures' | 'userSessions'>;
  authFailures: FailureLimiter;
  /** Shared by all IMAP listeners, so the per-user limit counts imap and imaps together. */
  userSessions: SessionCounter;
  secret: Buffer;
}

export function imapSettings(input: ImapListenerInput): ImapSettings {
  const { config } = input;
  return {
    hostname: input.hostname,
    tls: input.tls.context,
    plaintextAuth: config.auth.plaintext,
    authFailureDelayMs: config.auth.failure_delay * 1000,
    sasl: { secret: input.secret },
    idleTimeoutMs: config.imap.idle_timeout * 1000,
    maxLineLength: config.imap.max_line_length,
    appendLimit: config.imap.append_limit,
  };
}

export function imapListener(input: ImapListenerInput): ListenerOptions {
  const settings = imapSettings(input);
  const services: ImapServices = {
    ...input.services,
    authFailures: input.authFailures,
    userSessions: input.userSessions,
  };
  return {
    name: input.name,
    host: input.host,
    port: input.port,
    tls: input.name === 'imaps' ? input.tls.context : undefined,
    async handle(conn, ctx) {
      const session = new ImapSession(conn, settings, services, ctx.log, input.config.log.trace);
      await session.run(ctx.shutdown);
    },
    async refuse(conn, reason) {
      await conn.write(
        encodeUntaggedStatus({ kind: 'BYE', text: `${reason}, try again later` }, { utf8: false }),
      );
    },
  };
}
