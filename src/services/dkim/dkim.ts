/**
 * DKIM keys per domain and signing with them (RFC 6376, RFC 8463): `loft domain add` makes the
 * first pair, `loft domain dkim rotate` retires it for a new one, and the delivery point asks
 * {@link DkimService.sign} for the signatures of what users submit to remote recipients.
 */
import { DKIM_ALGORITHMS, freeSelector, generateDkimKey, selectorFor } from '../../auth/keys.ts';
import { signMessage } from '../../auth/sign.ts';
import { LoftError } from '../../core/errors.ts';
import type { DkimKeyInput, DkimKeyRecord, Store } from '../../store/store.ts';

export class DkimService {
  readonly #store: Store;
  readonly #now: () => Date;

  constructor(store: Store, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#now = now;
  }

  /**
   * Makes a new RSA-SHA256 (2048 bits) and Ed25519-SHA256 key for `domain`, named
   * `loft-rsa-YYYYMM` and `loft-ed-YYYYMM` (with `-2`, `-3`… when taken); with `rotate`, the keys
   * in use are retired in the same transaction. NOTFOUND for an unknown domain.
   */
  async generate(domain: string, options: { rotate?: boolean } = {}): Promise<DkimKeyRecord[]> {
    const name = domain.toLowerCase();
    if (!(await this.#store.getDomain(name))) throw new LoftError('NOTFOUND', `no domain ${name}`);
    const now = this.#now();
    const taken = new Set((await this.#store.listDkimKeys(name)).map((k) => k.selector));
    const keys: DkimKeyInput[] = [];
    for (const algorithm of DKIM_ALGORITHMS) {
      const selector = freeSelector(selectorFor(algorithm, now), taken);
      taken.add(selector);
      keys.push({ selector, ...(await generateDkimKey(algorithm)) });
    }
    return this.#store.addDkimKeys(name, keys, { retireActive: options.rotate ?? false, now: now.getTime() });
  }

  /** Every key of the domain, newest first, retired ones too. */
  keys(domain: string): Promise<DkimKeyRecord[]> {
    return this.#store.listDkimKeys(domain.toLowerCase());
  }

  /**
   * The DKIM-Signature fields (CRLF-terminated) for a message `domain` sends, one per active
   * key; empty when the domain has no key (or is not Loft's).
   */
  async sign(domain: string, message: Buffer): Promise<Buffer> {
    const active = (await this.keys(domain)).filter((k) => k.retiredAt === undefined);
    return signMessage(message, domain.toLowerCase(), active, this.#now());
  }
}
