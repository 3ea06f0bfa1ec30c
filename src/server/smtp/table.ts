/**
 * The SMTP command table: each verb's handler and the preconditions checked before it runs,
 * in this one place (RFC 5321 §4.1.4 command order, RFC 4954 and RFC 3207 rules).
 */
import type { Command } from '../../proto/smtp/command-types.ts';
import { auth } from './commands/auth.ts';
import { bdat } from './commands/bdat.ts';
import { data } from './commands/data.ts';
import { ehlo } from './commands/ehlo.ts';
import { help } from './commands/help.ts';
import { mail } from './commands/mail.ts';
import { noop } from './commands/noop.ts';
import { quit } from './commands/quit.ts';
import { rcpt } from './commands/rcpt.ts';
import { rset } from './commands/rset.ts';
import { starttls } from './commands/starttls.ts';
import { expn, vrfy } from './commands/vrfy.ts';
import type { SmtpReply } from './errors.ts';
import type { SmtpSession } from './session.ts';

type Verb = Command['verb'];
type CommandOf<V extends Verb> = Extract<Command, { verb: V }>;

export interface CommandSpec<V extends Verb> {
  handler: (session: SmtpSession, command: CommandOf<V>) => Promise<void> | void;
  /** EHLO or HELO must have been given (RFC 5321 §4.1.4). */
  needsHelo?: boolean;
  /** Refused while a mail transaction is open (STARTTLS, AUTH: RFC 3207 §4, RFC 4954 §4). */
  outsideTransaction?: boolean;
  /** Needs an open transaction with at least one accepted recipient (DATA, RFC 5321 §4.1.1.4). */
  needsRecipients?: boolean;
  /** Only on the submission ports, where AUTH is offered. */
  submissionOnly?: boolean;
}

export const COMMANDS: { [V in Verb]: CommandSpec<V> } = {
  EHLO: { handler: ehlo },
  HELO: { handler: ehlo },
  MAIL: { handler: mail, needsHelo: true },
  RCPT: { handler: rcpt, needsHelo: true },
  DATA: { handler: data, needsHelo: true, needsRecipients: true },
  // BDAT checks its own state after reading its chunk: RFC 3030 §2 requires the octets be consumed.
  BDAT: { handler: bdat },
  RSET: { handler: rset },
  NOOP: { handler: noop },
  QUIT: { handler: quit },
  VRFY: { handler: vrfy },
  EXPN: { handler: expn },
  HELP: { handler: help },
  STARTTLS: { handler: starttls, needsHelo: true, outsideTransaction: true },
  AUTH: { handler: auth, needsHelo: true, outsideTransaction: true, submissionOnly: true },
};

/** The reply refusing `command` in the session's current state, or undefined when it may run. */
export function checkPreconditions(session: SmtpSession, command: Command): SmtpReply | undefined {
  const spec = COMMANDS[command.verb] as CommandSpec<Verb>;
  if (spec.submissionOnly && session.settings.mode !== 'submission') {
    return { code: 502, enhanced: '5.5.1', text: `${command.verb} not available on this port` };
  }
  if (spec.needsHelo && !session.helo)
    return { code: 503, enhanced: '5.5.1', text: 'Send EHLO or HELO first' };
  if (spec.outsideTransaction && session.tx) {
    return { code: 503, enhanced: '5.5.1', text: `${command.verb} not allowed during a mail transaction` };
  }
  if (spec.needsRecipients) {
    if (!session.tx) return { code: 503, enhanced: '5.5.1', text: 'Send MAIL first' };
    if (session.tx.bdat) return { code: 503, enhanced: '5.5.1', text: 'DATA not allowed after BDAT' };
    if (session.tx.recipients.length === 0)
      return { code: 554, enhanced: '5.5.1', text: 'No valid recipients' };
  }
  return undefined;
}
