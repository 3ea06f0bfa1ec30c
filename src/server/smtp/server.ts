/**
 * An SMTP listener: MX (port 25) or submission (587 STARTTLS, 465 implicit TLS, RFC 8314),
 * the same engine with a different mode.
 */
import type { Config } from '../../config/schema.ts';
import type { FailureLimiter } from '../../core/rate-limit.ts';
import { encodeReply } from '../../proto/smtp/reply.ts';
import type { ListenerOptions } from '../net/listener.ts';
import type { TlsMaterial } from '../net/tls.ts';
import type { SmtpServices } from './services.ts';
import { SmtpSession } from './session.ts';
import type { SmtpSettings } from './settings.ts';

export interface SmtpListenerInput {
  name: 'smtp' | 'submission' | 'submissions';
  host: string;
  port: number;
  config: Config;
  hostname: string;
  tls: TlsMaterial;
  services: Omit<SmtpServices, 'authFailures'>;
  authFailures: FailureLimiter;
  /** The server secret (data folder), for SCRAM's fake salts of unknown users. */
  secret: Buffer;
}

/** Settings for one SMTP listener from the configuration. */
export function smtpSettings(input: SmtpListenerInput): SmtpSettings {
  const { config } = input;
  return {
    hostname: input.hostname,
    mode: input.name === 'smtp' ? 'mx' : 'submission',
    tls: input.tls.context,
    maxMessageSize: config.smtp.max_message_size,
    maxRecipients: config.smtp.max_recipients,
    maxCommandLine: config.smtp.max_command_line,
    maxTextLine: config.smtp.max_text_line,
    bareLineEnds: config.smtp.bare_line_ends,
    commandTimeoutMs: config.smtp.command_timeout * 1000,
    dataTimeoutMs: config.smtp.data_timeout * 1000,
    maxErrors: config.smtp.max_errors,
    plaintextAuth: config.auth.plaintext,
    authFailureDelayMs: config.auth.failure_delay * 1000,
    sasl: { secret: input.secret },
    maxAuthLine: 12288,
  };
}

export function smtpListener(input: SmtpListenerInput): ListenerOptions {
  const settings = smtpSettings(input);
  const services: SmtpServices = { ...input.services, authFailures: input.authFailures };
  return {
    name: input.name,
    host: input.host,
    port: input.port,
    tls: input.name === 'submissions' ? input.tls.context : undefined,
    async handle(conn, ctx) {
      const session = new SmtpSession(conn, settings, services, ctx.log, input.config.log.trace);
      await session.run(ctx.shutdown);
    },
    async refuse(conn, reason) {
      await conn.write(
        encodeReply({
          code: 421,
          enhanced: '4.7.0',
          lines: [`${input.hostname} ${reason}, try again later`],
        }),
      );
    },
  };
}
