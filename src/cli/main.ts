/**
 * The `loft` command: serve, domain (and its DKIM keys), user, alias, dns, queue, migrate, export, import. Every failure prints one line naming the
 * problem and exits non-zero; never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { loadConfig, validateConfig } from '../config/load.ts';
import { type Config, LISTENER_NAMES, type ListenerName } from '../config/schema.ts';
import { LoftError } from '../core/errors.ts';
import { type LoftServices, openServices } from '../open-services.ts';
import { addMailAuthCommands, describeKey } from './dkim.ts';
import { readPassword } from './password.ts';
import { addQueueCommands } from './queue.ts';

interface GlobalOptions {
  data?: string;
  config?: string;
  storage?: string;
}

/** Runs the CLI with `argv` (without the node and script names); resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('loft')
    .description('Loft: a complete mail server (SMTP, POP3, IMAP)')
    .option('--data <dir>', 'data folder (default ./loft-data, or the config file\'s "data")')
    .option('--config <file>', 'TOML configuration file')
    .option(
      '--storage <url>',
      'PostgreSQL URL (postgres://user@host/db[?schema=NAME]); default: SQLite in the data folder',
    )
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .showSuggestionAfterError(true);

  program
    .command('serve')
    .description('run the mail server')
    .option('--data <dir>', 'data folder')
    .option('--config <file>', 'TOML configuration file')
    .option('--storage <url>', 'PostgreSQL URL; default: SQLite in the data folder')
    .option('--listen <name=host:port...>', `listener address; name is one of ${LISTENER_NAMES.join(', ')}`)
    .option('--dns <host:port...>', 'DNS server for every lookup (replaces dns.servers)')
    .action(async (options: GlobalOptions & { listen?: string[]; dns?: string[] }) => {
      const config = configFor({ ...program.opts<GlobalOptions>(), ...options });
      for (const item of options.listen ?? []) {
        const [name, address] = splitListen(item);
        config.listen[name] = address === 'off' ? [] : [address];
      }
      if (options.dns !== undefined) config.dns.servers = checkDnsServers(options.dns);
      const { serve } = await import('./serve.ts');
      await serve(config);
    });

  const domain = program.command('domain').description('manage the domains Loft receives mail for');
  domain
    .command('add <domain>')
    .description('add a domain, with its DKIM keys (RSA-SHA256 2048 bits and Ed25519-SHA256)')
    .action((name: string) =>
      withServices(program, async (s) => {
        const added = await s.directory.addDomain(name);
        for (const key of await s.dkim.generate(added.name)) console.log(describeKey(key));
        console.log(`the DNS records ${added.name} needs: loft dns records ${added.name}`);
      }),
    );
  domain
    .command('list')
    .description('list domains')
    .action(() =>
      withServices(program, async (s) => {
        for (const d of await s.directory.listDomains()) console.log(d.name);
      }),
    );
  domain
    .command('remove <domain>')
    .description('remove a domain that has no users left')
    .action((name: string) => withServices(program, (s) => s.directory.removeDomain(name)));

  addMailAuthCommands(program, domain, (fn) => withServices(program, fn));

  const user = program.command('user').description('manage user accounts (login: the full address)');
  user
    .command('add <address>')
    .description('add a user with INBOX, Sent, Drafts, Trash, Junk and Archive')
    .option('--password-stdin', 'read the password from standard input')
    .action((address: string, options: { passwordStdin?: boolean }) =>
      withServices(program, async (s) => {
        await s.directory.addUser(address, await readPassword(options.passwordStdin === true));
      }),
    );
  user
    .command('passwd <address>')
    .description("change a user's password")
    .option('--password-stdin', 'read the password from standard input')
    .action((address: string, options: { passwordStdin?: boolean }) =>
      withServices(program, async (s) =>
        s.directory.setPassword(address, await readPassword(options.passwordStdin === true)),
      ),
    );
  user
    .command('list [domain]')
    .description('list users')
    .action((name: string | undefined) =>
      withServices(program, async (s) => {
        for (const account of await s.directory.listUsers(name)) console.log(account.address);
      }),
    );
  user
    .command('remove <address>')
    .description('remove a user and all their mail')
    .action((address: string) =>
      withServices(program, async (s) => {
        for (const blob of await s.directory.removeUser(address)) await s.blobs.remove(blob);
      }),
    );

  const alias = program.command('alias').description('manage aliases (catch-all: @domain)');
  alias
    .command('add <alias> <targets...>')
    .description('deliver mail for ALIAS to each TARGET')
    .action((source: string, targets: string[]) =>
      withServices(program, (s) => s.directory.addAlias(source, targets)),
    );
  alias
    .command('list')
    .description('list aliases')
    .action(() =>
      withServices(program, async (s) => {
        for (const a of await s.directory.listAliases()) console.log(`${a.source} -> ${a.target}`);
      }),
    );
  alias
    .command('remove <alias> [targets...]')
    .description('remove an alias, or only some of its targets')
    .action((source: string, targets: string[]) =>
      withServices(program, (s) => s.directory.removeAlias(source, targets)),
    );

  program
    .command('migrate')
    .description('create or upgrade the storage schema (SQLite, or PostgreSQL with --storage) and exit')
    .action(() => withServices(program, async () => console.log('storage schema is up to date')));
  program
    .command('export <file>')
    .description('write every domain, user, alias, mailbox and message to FILE (a new file)')
    .action((file: string) =>
      withServices(program, async (s) => (await import('./transfer.ts')).exportTo(s, file)),
    );
  program
    .command('import <file>')
    .description('load FILE (from `loft export`) into this storage, keeping UIDVALIDITY, UIDs and flags')
    .action((file: string) =>
      withServices(program, async (s) => (await import('./transfer.ts')).importFrom(s, file)),
    );
  addQueueCommands(program, (fn) => withServices(program, fn));

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`loft: ${describe(err)}\n`);
    return 1;
  }
}

function configFor(options: GlobalOptions) {
  const config = loadConfig(options.config);
  if (options.data) config.data = options.data;
  if (options.storage) {
    if (!/^postgres(ql)?:\/\//.test(options.storage))
      throw new LoftError('INVALID', `--storage ${options.storage}: expected a postgres:// URL`);
    config.storage = options.storage;
  }
  return config;
}

async function withServices(
  program: Command,
  fn: (services: LoftServices, config: Config) => Promise<void>,
): Promise<void> {
  const config = configFor(program.opts<GlobalOptions>());
  const services = await openServices(config.data, { storage: config.storage });
  try {
    await fn(services, config);
  } finally {
    await services.store.close();
  }
}

/** Validates `--dns` values as the configuration would. */
function checkDnsServers(servers: string[]): string[] {
  try {
    return validateConfig({ dns: { servers } }).dns.servers;
  } catch {
    throw new LoftError(
      'INVALID',
      `--dns ${servers.join(' ')}: expected IP:PORT, e.g. 127.0.0.1:53 or [::1]:53`,
    );
  }
}

function splitListen(item: string): [ListenerName, string] {
  const eq = item.indexOf('=');
  const name = item.slice(0, eq) as ListenerName;
  const address = item.slice(eq + 1);
  if (eq <= 0 || !LISTENER_NAMES.includes(name)) {
    throw new LoftError(
      'INVALID',
      `--listen ${item}: expected NAME=HOST:PORT with NAME one of ${LISTENER_NAMES.join(', ')}`,
    );
  }
  if (address !== 'off' && !/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]*):\d{1,5}$/.test(address)) {
    throw new LoftError('INVALID', `--listen ${item}: expected HOST:PORT after ${name}=`);
  }
  return [name, address];
}

function describe(err: unknown): string {
  if (err instanceof LoftError) return err.message;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE')
    return `address already in use: ${(err as NodeJS.ErrnoException & { address?: string; port?: number }).address}:${(err as { port?: number }).port}`;
  if (code === 'EACCES') return `permission denied (ports below 1024 need root): ${(err as Error).message}`;
  return err instanceof Error ? err.message : String(err);
}
