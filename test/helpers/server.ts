/**
 * Starts a real Loft server in-process for a test: a fresh data folder in the OS temp dir,
 * every SMTP and POP3 listener on 127.0.0.1 port 0, no delays for failed logins.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Resolver } from '../../src/dns/resolver.ts';
import { type RunningLoft, startLoft } from '../../src/loft.ts';

export interface TestServer extends RunningLoft {
  dataDir: string;
  config: Config;
  /** Stops the server and removes the data folder. */
  close(): Promise<void>;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Starts Loft with `overrides` merged into the test defaults. */
export async function startTestServer(
  overrides: DeepPartial<Record<string, unknown>> = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'loft-test-'));
  const base = {
    hostname: 'mx.loft.test',
    data: dataDir,
    listen: {
      smtp: ['127.0.0.1:0'],
      submission: ['127.0.0.1:0'],
      submissions: ['127.0.0.1:0'],
      pop3: ['127.0.0.1:0'],
      pop3s: ['127.0.0.1:0'],
      imap: ['127.0.0.1:0'],
      imaps: ['127.0.0.1:0'],
    },
    auth: { failure_delay: 0 },
  };
  const config = validateConfig(merge(base, overrides));
  // Without a test DNS server, mail on port 25 is not checked (SPF, DKIM, DMARC need DNS),
  // unless the test asks for it.
  const auth = overrides.auth as { verify_mx?: boolean } | undefined;
  if (config.dns.servers.length === 0 && auth?.verify_mx === undefined) config.auth.verify_mx = false;
  // No test may use the machine's DNS: without a test DNS server in dns.servers, every lookup throws.
  const loft = await startLoft(config, config.dns.servers.length > 0 ? {} : { resolver: noDnsResolver });
  return Object.assign(loft, {
    dataDir,
    config,
    async close(): Promise<void> {
      await loft.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}

/** A resolver for tests that configure no DNS server: any lookup is a test bug. */
export const noDnsResolver: Resolver = new Proxy({} as Resolver, {
  get(_target, method) {
    // Not a thenable, and no symbol lookups (inspection) turn into lookups.
    if (method === 'then' || typeof method === 'symbol') return undefined;
    return (name: string) => {
      throw new Error(
        `test used DNS (${String(method)} ${name}) without a test DNS server (test/helpers/dns-server.ts)`,
      );
    };
  },
});

/** Adds a domain and users (password "secret" unless given) through the directory service. */
export async function provision(
  server: RunningLoft,
  domains: string[],
  users: (string | [string, string])[],
): Promise<void> {
  for (const domain of domains) await server.services.directory.addDomain(domain);
  for (const user of users) {
    const [address, password] = typeof user === 'string' ? [user, 'secret'] : user;
    await server.services.directory.addUser(address, password);
  }
}

/** The raw messages in a user's mailbox (INBOX by default), in UID order. */
export async function mailboxContents(
  server: RunningLoft,
  address: string,
  mailbox = 'INBOX',
): Promise<Buffer[]> {
  const account = await server.services.directory.getAccount(address);
  if (!account) throw new Error(`no account ${address}`);
  const box = await server.services.store.getMailbox(account.id, mailbox);
  if (!box) throw new Error(`no mailbox ${mailbox}`);
  const messages = await server.services.store.listMessages(box.id);
  return Promise.all(messages.map((m) => server.services.blobs.read(m.blobId)));
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      existing &&
      typeof existing === 'object' &&
      !Array.isArray(existing)
        ? merge(existing as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
