/**
 * The verdict on a message arriving on port 25: its checks (verify.ts), the
 * Authentication-Results field Loft adds (RFC 8601), and what the sender domain's DMARC policy
 * asks for (RFC 7489 §6.3, §6.6.3) as the configuration maps it.
 */
import type { Resolver } from '../dns/resolver.ts';
import { formatAuthResults } from './results.ts';
import { authResultsOf, type InboundEnvelope, type InboundResults, verifyInbound } from './verify.ts';

/** What a DMARC failure under a policy leads to. */
export type PolicyAction = 'reject' | 'junk' | 'accept';

/** The mapping of DMARC policies to actions (`dmarc.on_reject`, `dmarc.on_quarantine`). */
export interface DmarcActions {
  onReject: PolicyAction;
  onQuarantine: PolicyAction;
}

/** The outcome for the SMTP transaction and the delivery point. */
export interface InboundDecision {
  /** The Authentication-Results field, CRLF-terminated. */
  authResults: string;
  action: PolicyAction;
  reason: string | undefined;
  results: InboundResults;
}

/**
 * The action for the results: only a DMARC `fail` applies the domain's policy (p=none, a pass,
 * `temperror` and `none` never refuse, RFC 7489 §6.6.3 and §6.6.2).
 */
export function dmarcAction(
  results: InboundResults,
  actions: DmarcActions,
): { action: PolicyAction; reason?: string } {
  const dmarc = results.dmarc;
  if (dmarc?.result !== 'fail') return { action: 'accept' };
  const reason = `DMARC policy of ${dmarc.from} (p=${dmarc.policy}) refuses this message`;
  if (dmarc.policy === 'reject') return { action: actions.onReject, reason };
  if (dmarc.policy === 'quarantine') return { action: actions.onQuarantine, reason };
  return { action: 'accept' };
}

/** Checks a message and decides (DNS failures are temperror results, never exceptions). */
export async function decideInbound(
  message: Buffer,
  envelope: InboundEnvelope,
  options: { resolver: Resolver; hostname: string; actions: DmarcActions },
): Promise<InboundDecision> {
  const results = await verifyInbound(message, envelope, options.resolver, options.hostname);
  const { action, reason } = dmarcAction(results, options.actions);
  return {
    authResults: formatAuthResults(options.hostname, authResultsOf(results)),
    action,
    reason,
    results,
  };
}
