/**
 * The mail-authentication commands: `loft domain dkim rotate|show DOMAIN` and
 * `loft dns records DOMAIN` (the DNS records a domain needs, in zone-file form).
 */
import type { Command } from 'commander';
import { zoneRecords } from '../auth/dns-records.ts';
import { dkimRecordName, dkimRecordText } from '../auth/keys.ts';
import { effectiveHostname } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { LoftError } from '../core/errors.ts';
import type { LoftServices } from '../open-services.ts';
import type { DkimKeyRecord } from '../store/store.ts';

/** Runs a command with the services open (and the configuration it was opened with). */
export type WithServices = (fn: (services: LoftServices, config: Config) => Promise<void>) => Promise<void>;

/** One line per key: selector, algorithm, state and dates. */
export function describeKey(key: DkimKeyRecord): string {
  const created = new Date(key.createdAt).toISOString().slice(0, 10);
  const state =
    key.retiredAt === undefined ? 'active' : `retired ${new Date(key.retiredAt).toISOString().slice(0, 10)}`;
  return `${key.selector}\t${key.algorithm}\t${state}\tcreated ${created}`;
}

/** Adds `domain dkim rotate|show` under `domain` and `dns records` under `program`. */
export function addMailAuthCommands(program: Command, domain: Command, run: WithServices): void {
  const dkim = domain.command('dkim').description('DKIM signing keys of a domain (RFC 6376, RFC 8463)');
  dkim
    .command('rotate <domain>')
    .description('make new RSA and Ed25519 keys; the old ones are retired but still listed')
    .action((name: string) =>
      run(async (s) => {
        for (const key of await s.dkim.generate(name, { rotate: true })) console.log(describeKey(key));
      }),
    );
  dkim
    .command('show <domain>')
    .description('list the keys (newest first) and the DNS record of each active one')
    .action((name: string) =>
      run(async (s) => {
        const keys = await keysOf(s, name);
        for (const key of keys) console.log(describeKey(key));
        for (const key of keys.filter((k) => k.retiredAt === undefined)) {
          console.log(
            `${dkimRecordName(key.selector, name.toLowerCase())} TXT ${dkimRecordText(key.algorithm, key.publicKey)}`,
          );
        }
      }),
    );

  const dns = program.command('dns').description('DNS records for the domains Loft serves');
  dns
    .command('records <domain>')
    .description('print the records DOMAIN needs (MX, SPF, DKIM, DMARC, RFC 6186 SRV) in zone-file form')
    .action((name: string) =>
      run(async (s, config) => {
        const keys = await keysOf(s, name);
        const port = (listener: keyof Config['listen']): number | undefined => {
          const first = config.listen[listener][0];
          return first === undefined ? undefined : Number(first.slice(first.lastIndexOf(':') + 1));
        };
        process.stdout.write(
          zoneRecords({
            domain: name.toLowerCase(),
            hostname: effectiveHostname(config),
            keys,
            ports: {
              submission: port('submission'),
              submissions: port('submissions'),
              imap: port('imap'),
              imaps: port('imaps'),
              pop3: port('pop3'),
              pop3s: port('pop3s'),
            },
          }),
        );
      }),
    );
}

async function keysOf(s: LoftServices, name: string): Promise<DkimKeyRecord[]> {
  const domain = name.toLowerCase();
  if (!(await s.store.getDomain(domain))) throw new LoftError('NOTFOUND', `unknown domain ${domain}`);
  return s.dkim.keys(domain);
}
