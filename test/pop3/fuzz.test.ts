/**
 * Fuzzing the session against a model: random sequences of valid commands, bad arguments and
 * garbage lines, sent to the real server. Every line gets exactly the response the model of
 * RFC 1939 predicts (`+OK` / `-ERR`, single or multi-line), the session never breaks, and at the
 * end the INBOX holds exactly what the model says: deletions only after QUIT, none after a drop.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { provision, startTestServer, type TestServer } from '../helpers/server.ts';
import { Pop3Dialog } from './dialog.ts';
import { deliverMany, eventually, inbox } from './support.ts';

const USER = 'fuzz@loft.test';
let server: TestServer;

before(async () => {
  server = await startTestServer();
  await provision(server, ['loft.test'], [USER, 'other@loft.test']);
});
after(() => server.close());

const msg = fc.integer({ min: 0, max: 6 });
const line = fc.oneof(
  fc.constantFrom('STAT', 'LIST', 'UIDL', 'RSET', 'NOOP', 'CAPA', 'stat', 'AUTH', 'UTF8', 'APOP a b'),
  msg.map((n) => `LIST ${n}`),
  msg.map((n) => `UIDL ${n}`),
  msg.map((n) => `RETR ${n}`),
  msg.map((n) => `DELE ${n}`),
  fc.tuple(msg, fc.integer({ min: 0, max: 3 })).map(([n, k]) => `TOP ${n} ${k}`),
  fc.constantFrom(
    `USER ${USER}`,
    'USER other@loft.test',
    'USER nobody@loft.test',
    'PASS secret',
    'PASS wrong',
  ),
  fc.constantFrom('RETR', 'DELE x', 'TOP 1', 'LIST 1 2', 'STAT 1', 'RETR -1', 'USER', 'PASS', 'AUTH BOGUS'),
  fc
    .string({ unit: 'binary-ascii', maxLength: 120 })
    .filter((s) => !/[\r\n]/.test(s))
    .map((s) => `Z${s}`),
);
// Most runs log in first, so that TRANSACTION state is well exercised.
const session = fc
  .tuple(
    fc.array(line, { minLength: 1, maxLength: 25 }),
    fc.constantFrom<'quit' | 'drop'>('quit', 'drop'),
    fc.boolean(),
  )
  .map(([lines, end, login]) => [login ? [`USER ${USER}`, 'PASS secret', ...lines] : lines, end] as const);

/** The model of one session: RFC 1939 states, the snapshot, deletion marks. */
class Model {
  state: 'authorization' | 'transaction' = 'authorization';
  pending: string | undefined;
  deleted = new Set<number>();
  readonly sizes: number[];
  constructor(sizes: number[]) {
    this.sizes = sizes;
  }

  valid(n: number): boolean {
    return n >= 1 && n <= this.sizes.length && !this.deleted.has(n);
  }

  /** Predicts the response to `line`: ok or not, multi-line or not; updates the model. */
  step(line: string): { ok: boolean; multi: boolean; text?: RegExp } {
    const [word = '', ...args] = line.split(' ').filter((a) => a.length > 0);
    const verb = line.startsWith(' ') ? '' : word.toUpperCase();
    const pending = this.pending;
    if (verb !== 'USER' && verb !== 'PASS') this.pending = undefined;
    const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : Number.NaN);
    const tx = this.state === 'transaction';
    const err = { ok: false, multi: false };
    const ok = { ok: true, multi: false };
    switch (verb) {
      case 'CAPA':
        return args.length === 0 ? { ok: true, multi: true } : err;
      case 'USER':
        if (args.length !== 1) {
          this.pending = undefined; // a line that does not parse forgets the name
          return err;
        }
        if (tx) return err;
        this.pending = args[0];
        return ok;
      case 'PASS':
        this.pending = undefined;
        if (tx || line.length <= 5 || pending === undefined) return err;
        if (pending === USER && line === 'PASS secret') {
          this.state = 'transaction';
          return ok;
        }
        // Other accounts exist but their session is not modelled: refuse to log in as them.
        return pending === 'other@loft.test' && line === 'PASS secret'
          ? { ok: true, multi: false, text: /^Logged in/ }
          : err;
      case 'AUTH':
        return args.length === 0 && !tx ? { ok: true, multi: true } : err;
      case 'UTF8':
        return !tx && args.length === 0 ? ok : err;
      case 'STAT':
      case 'RSET':
      case 'NOOP':
        if (!tx || args.length > 0) return err;
        if (verb === 'RSET') this.deleted.clear();
        if (verb === 'STAT') {
          const kept = this.sizes.filter((_, i) => !this.deleted.has(i + 1));
          return {
            ok: true,
            multi: false,
            text: new RegExp(`^${kept.length} ${kept.reduce((a, b) => a + b, 0)}$`),
          };
        }
        return ok;
      case 'LIST':
      case 'UIDL':
        if (!tx || args.length > 1) return err;
        if (args.length === 0) return { ok: true, multi: true };
        return this.valid(num(args[0])) ? ok : err;
      case 'RETR':
        return tx && args.length === 1 && this.valid(num(args[0])) ? { ok: true, multi: true } : err;
      case 'TOP':
        return tx && args.length === 2 && this.valid(num(args[0])) && /^\d+$/.test(args[1]!)
          ? { ok: true, multi: true }
          : err;
      case 'DELE':
        if (!(tx && args.length === 1 && this.valid(num(args[0])))) return err;
        this.deleted.add(num(args[0]));
        return ok;
      default:
        return err;
    }
  }
}

test('random sessions behave as the RFC 1939 model says', async () => {
  await fc.assert(
    fc.asyncProperty(session, async ([lines, end]) => {
      const before = await inbox(server, USER);
      if (before.messages.length < 3) await deliverMany(server, USER, 4 - before.messages.length, 'fuzz');
      const { messages } = await inbox(server, USER);
      const model = new Model(messages.map((m) => m.size));
      const pop = await Pop3Dialog.greeted(server.ports.pop3!);
      let otherLoggedIn = false;
      for (const l of lines) {
        // After logging in as another (unmodelled) user, the rest of the run is not checked.
        if (otherLoggedIn) continue;
        const expected = model.step(l);
        pop.send(l);
        const status = await pop.status();
        assert.ok(status, `connection closed after ${JSON.stringify(l)}`);
        assert.equal(status.ok, expected.ok, `${JSON.stringify(l)} → ${status.line}`);
        if (expected.text) assert.match(status.text, expected.text, l);
        if (expected.text?.source === '^Logged in') otherLoggedIn = true;
        if (status.ok && expected.multi) {
          for (;;) {
            const next = await pop.readLine();
            assert.ok(next !== undefined, 'closed inside a multi-line response');
            if (next.toString() === '.') break;
          }
        }
      }
      const deleted = model.state === 'transaction' && !otherLoggedIn ? [...model.deleted] : [];
      if (end === 'quit') await pop.quit();
      else pop.close();
      const kept = end === 'quit' ? messages.length - deleted.length : messages.length;
      assert.equal((await inbox(server, USER)).messages.length, kept, `after ${end}`);
      // Wait until the lock is free again (a dropped session releases it when the server notices).
      assert.ok(
        await eventually(async () => {
          const probe = await Pop3Dialog.greeted(server.ports.pop3!);
          await probe.command(`USER ${USER}`, true);
          probe.send('PASS secret');
          const s = await probe.status();
          if (s?.ok) await probe.quit();
          else probe.close();
          return s?.ok === true;
        }),
      );
    }),
    { numRuns: 40 },
  );
});
