/**
 * The directory service: domains, accounts and aliases, recipient resolution and authentication.
 * Sessions and the CLI use it; it reaches storage only through the {@link Store} interface.
 */
import { LoftError } from '../../core/errors.ts';
import type { SaslCredentials, ScramCredentials } from '../../proto/sasl/mechanism.ts';
import type {
  AccountRecord,
  AddressLookup,
  AliasRecord,
  DomainRecord,
  SpecialUse,
  Store,
} from '../../store/store.ts';
import { normalizeAddress, normalizeAliasSource, normalizeDomain } from './names.ts';
import { hashPassword, scramSha256Keys, verifyPassword, verifyPasswordOfNobody } from './password.ts';
import { RouteCache } from './route-cache.ts';

/** The mailboxes every new account gets (RFC 6154 special-use attributes). */
export const DEFAULT_MAILBOXES: readonly { name: string; specialUse: SpecialUse | undefined }[] = [
  { name: 'INBOX', specialUse: undefined },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

/** Where mail for one address goes: local accounts (ids) and remote forwarding addresses. */
export interface Resolution {
  accounts: number[];
  remote: string[];
  /** The INBOX of each account, by account id, as read with it (the delivery's target). */
  inboxes: Map<number, number>;
}

/** Where mail for an address goes (see {@link Directory.route}). */
export type Route = { kind: 'remote' } | { kind: 'unknown' } | { kind: 'local'; resolution: Resolution };

const MAX_ALIAS_DEPTH = 10;

export class Directory implements SaslCredentials {
  readonly #store: Store;
  readonly #routes = new RouteCache();

  constructor(store: Store) {
    this.#store = store;
  }

  // Domains

  async addDomain(name: string): Promise<DomainRecord> {
    const domain = normalizeDomain(name);
    return this.#store.addDomain(domain).catch((err: unknown) => {
      if (err instanceof LoftError && err.code === 'EXISTS')
        throw new LoftError('EXISTS', `domain ${domain} exists already`);
      throw err;
    });
  }

  listDomains(): Promise<DomainRecord[]> {
    return this.#store.listDomains();
  }

  removeDomain(name: string): Promise<void> {
    return this.#store.removeDomain(normalizeDomain(name));
  }

  /** True when `domain` (any case, U-label or A-label) is one of Loft's domains. */
  async isLocalDomain(domain: string): Promise<boolean> {
    // An address literal (RFC 5321 §4.1.3) names a host, never one of Loft's domains.
    if (domain.startsWith('[')) return false;
    let normalized: string;
    try {
      normalized = normalizeDomain(domain);
    } catch {
      return false;
    }
    return (await this.#store.getDomain(normalized)) !== undefined;
  }

  // Accounts

  async addUser(address: string, password: string): Promise<AccountRecord> {
    const parsed = normalizeAddress(address);
    const domain = await this.#store.getDomain(parsed.domain);
    if (!domain)
      throw new LoftError(
        'NOTFOUND',
        `unknown domain ${parsed.domain} (add it first: loft domain add ${parsed.domain})`,
      );
    checkPassword(password);
    const [passwordHash, scram] = await Promise.all([hashPassword(password), safeScramKeys(password)]);
    return this.#store
      .addAccount({
        address: parsed.address,
        domainId: domain.id,
        passwordHash,
        scram,
        mailboxes: [...DEFAULT_MAILBOXES],
      })
      .catch((err: unknown) => {
        if (err instanceof LoftError && err.code === 'EXISTS')
          throw new LoftError('EXISTS', `user ${parsed.address} exists already`);
        throw err;
      });
  }

  async setPassword(address: string, password: string): Promise<void> {
    const { address: normalized } = normalizeAddress(address);
    checkPassword(password);
    const [passwordHash, scram] = await Promise.all([hashPassword(password), safeScramKeys(password)]);
    await this.#store.setPassword(normalized, passwordHash, scram);
  }

  listUsers(domain?: string): Promise<AccountRecord[]> {
    return this.#store.listAccounts(domain === undefined ? undefined : normalizeDomain(domain));
  }

  /** Removes the account with all its mail; returns blob ids to delete from the blob store. */
  async removeUser(address: string): Promise<string[]> {
    const { orphanBlobs } = await this.#store.removeAccount(normalizeAddress(address).address);
    return orphanBlobs;
  }

  async getAccount(address: string): Promise<AccountRecord | undefined> {
    let normalized: string;
    try {
      normalized = normalizeAddress(address).address;
    } catch {
      return undefined;
    }
    return this.#store.getAccount(normalized);
  }

  // Aliases

  async addAlias(source: string, targets: string[]): Promise<void> {
    const parsed = normalizeAliasSource(source);
    if (!(await this.#store.getDomain(parsed.domain)))
      throw new LoftError('NOTFOUND', `unknown domain ${parsed.domain}`);
    if (targets.length === 0) throw new LoftError('INVALID', 'an alias needs at least one target address');
    for (const target of targets) {
      const normalized = normalizeAddress(target).address;
      await this.#store.addAlias(parsed.source, normalized).catch((err: unknown) => {
        if (err instanceof LoftError && err.code === 'EXISTS')
          throw new LoftError('EXISTS', `alias ${parsed.source} → ${normalized} exists already`);
        throw err;
      });
    }
  }

  async removeAlias(source: string, targets: string[]): Promise<void> {
    const parsed = normalizeAliasSource(source);
    let removed = 0;
    if (targets.length === 0) removed = await this.#store.removeAlias(parsed.source);
    for (const target of targets)
      removed += await this.#store.removeAlias(parsed.source, normalizeAddress(target).address);
    if (removed === 0) throw new LoftError('NOTFOUND', `no such alias ${parsed.source}`);
  }

  listAliases(): Promise<AliasRecord[]> {
    return this.#store.listAliases();
  }

  // Resolution

  /**
   * Resolves a recipient address of a local domain: exact alias or account first, then the
   * address without its `+tag` (subaddressing), then the domain's catch-all `@domain`.
   * Aliases may point at aliases (up to 10 levels, loops ignored) and at remote addresses.
   * Returns undefined for an unknown recipient.
   */
  async resolve(address: string): Promise<Resolution | undefined> {
    let normalized: ReturnType<typeof normalizeAddress>;
    try {
      normalized = normalizeAddress(address);
    } catch {
      return undefined;
    }
    const result: Resolution = { accounts: [], remote: [], inboxes: new Map() };
    return (await this.#expand(normalized.address, result, new Set(), 0)) ? result : undefined;
  }

  /**
   * Where mail for `address` goes, in one storage query for a plain address: `remote` when its
   * domain is not one of Loft's (or is an address literal), `unknown` for no such local user,
   * else the resolution (as {@link resolve}). Routes are reused while the directory has not
   * changed (Store.directoryVersion, route-cache.ts).
   */
  async route(address: string): Promise<Route> {
    const domain = address.slice(address.lastIndexOf('@') + 1);
    if (domain.startsWith('[')) return { kind: 'remote' };
    let normalized: string;
    try {
      normalized = normalizeAddress(address).address;
    } catch {
      return (await this.isLocalDomain(domain)) ? { kind: 'unknown' } : { kind: 'remote' };
    }
    // Read before the lookup: a change committed in between raises it, and the route is not reused.
    const version = await this.#store.directoryVersion();
    const cached = this.#routes.get(normalized, version);
    if (cached) return cached;
    const route = await this.#routeOf(normalized);
    this.#routes.set(normalized, route, version);
    return route;
  }

  async #routeOf(normalized: string): Promise<Route> {
    const lookup = await this.#lookup(normalized);
    if (!lookup.found.localDomain) return { kind: 'remote' };
    const resolution: Resolution = { accounts: [], remote: [], inboxes: new Map() };
    const found = await this.#expandFound(normalized, lookup, resolution, new Set(), 0);
    return found ? { kind: 'local', resolution } : { kind: 'unknown' };
  }

  /**
   * RFC 5321 §4.5.1: postmaster at every local domain MUST be accepted. Unless an alias, an
   * account or a catch-all of the domain takes it, it goes to the domain's first account (the
   * lowest id: usually whoever set the domain up), or to the first account of all when the
   * domain has none. Undefined when the address is not a postmaster or there are no accounts.
   */
  async #defaultPostmaster(address: string): Promise<number | undefined> {
    const { localPart, domain } = splitAddress(address);
    if (localPart !== 'postmaster') return undefined;
    const first = (accounts: AccountRecord[]): number | undefined => {
      let lowest: number | undefined;
      for (const { id } of accounts) if (lowest === undefined || id < lowest) lowest = id;
      return lowest;
    };
    return first(await this.#store.listAccounts(domain)) ?? first(await this.#store.listAccounts());
  }

  async #expand(address: string, into: Resolution, seen: Set<string>, depth: number): Promise<boolean> {
    if (seen.has(address) || depth > MAX_ALIAS_DEPTH) return seen.has(address);
    return this.#expandFound(address, await this.#lookup(address), into, seen, depth);
  }

  /** The address's candidates (itself, without `+tag`, the catch-all) and what storage has of them. */
  async #lookup(address: string): Promise<{ candidates: string[]; found: AddressLookup }> {
    const { localPart, domain } = splitAddress(address);
    const candidates = [address];
    const plus = localPart.indexOf('+');
    if (plus > 0) candidates.push(`${localPart.slice(0, plus)}@${domain}`);
    candidates.push(`@${domain}`);
    return { candidates, found: await this.#store.lookupAddress(domain, candidates) };
  }

  async #expandFound(
    address: string,
    { candidates, found }: { candidates: string[]; found: AddressLookup },
    into: Resolution,
    seen: Set<string>,
    depth: number,
  ): Promise<boolean> {
    seen.add(address);
    if (!found.localDomain) {
      if (!into.remote.includes(address)) into.remote.push(address);
      return true;
    }
    for (const candidate of candidates) {
      const aliases = found.aliases.filter((alias) => alias.source === candidate);
      if (aliases.length > 0) {
        let any = false;
        for (const alias of aliases) any = (await this.#expand(alias.target, into, seen, depth + 1)) || any;
        return any;
      }
      if (candidate.startsWith('@')) break;
      const account = found.accounts.find((a) => a.address === candidate);
      if (account) {
        if (!into.accounts.includes(account.id)) into.accounts.push(account.id);
        if (account.inboxId !== undefined) into.inboxes.set(account.id, account.inboxId);
        return true;
      }
    }
    // Unclaimed at a local domain: its postmaster still has a place (also as an alias's target).
    const postmaster = await this.#defaultPostmaster(address);
    if (postmaster === undefined) return false;
    if (!into.accounts.includes(postmaster)) into.accounts.push(postmaster);
    return true;
  }

  // Authentication (SaslCredentials)

  /** Checks a login; usernames are full addresses, compared case-insensitively. */
  async verifyPassword(username: string, password: string): Promise<boolean> {
    const account = await this.getAccount(username);
    if (!account) {
      await verifyPasswordOfNobody(password);
      return false;
    }
    return verifyPassword(password, account.passwordHash);
  }

  async scramCredentials(username: string): Promise<ScramCredentials | undefined> {
    return (await this.getAccount(username))?.scram;
  }
}

function splitAddress(address: string): { localPart: string; domain: string } {
  const at = address.lastIndexOf('@');
  return { localPart: address.slice(0, at), domain: address.slice(at + 1) };
}

function checkPassword(password: string): void {
  if (password.length === 0) throw new LoftError('INVALID', 'the password is empty');
  if (/[\r\n\0]/.test(password)) throw new LoftError('INVALID', 'the password contains a line break or NUL');
}

async function safeScramKeys(password: string): Promise<ScramCredentials | undefined> {
  try {
    return await scramSha256Keys(password);
  } catch {
    return undefined; // not SASLprep-able: the account can use PLAIN/LOGIN only
  }
}
