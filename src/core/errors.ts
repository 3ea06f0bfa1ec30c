/**
 * Loft's small error vocabulary (see docs/ARCHITECTURE.md, "Errors").
 *
 * Services and storage raise {@link LoftError} with a domain {@link ErrorCode}; never a protocol
 * reply code. Each protocol maps codes to its own replies in exactly one function
 * (for SMTP: `src/server/smtp/errors.ts`).
 */

/**
 * Domain error codes, after Dovecot's mail-error list.
 * - `TEMP`: a temporary failure (database busy, disk full, I/O error); the client may retry.
 * - `NOSPACE`: the disk or a quota is full; temporary for SMTP.
 * - `PERM`: a permanent failure of the operation.
 * - `NOTFOUND`: the named object does not exist.
 * - `EXISTS`: the object already exists.
 * - `INUSE`: a lock is held by someone else.
 * - `EXPUNGED`: the message was expunged meanwhile.
 * - `INVALID`: the request itself is malformed or breaks a rule (bad name, bad address).
 * - `AUTH`: authentication failed.
 * - `INTERNAL`: a bug or an unexpected state; clients see a fixed generic text.
 */
export type ErrorCode =
  | 'TEMP'
  | 'NOSPACE'
  | 'PERM'
  | 'NOTFOUND'
  | 'EXISTS'
  | 'INUSE'
  | 'EXPUNGED'
  | 'INVALID'
  | 'AUTH'
  | 'INTERNAL';

/** An error with a domain code; `message` is safe to show to an administrator, not always to a client. */
export class LoftError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LoftError';
    this.code = code;
  }
}

/** True when `err` is a {@link LoftError}, optionally with the given code. */
export function isLoftError(err: unknown, code?: ErrorCode): err is LoftError {
  return err instanceof LoftError && (code === undefined || err.code === code);
}

/** Maps a Node.js system error (ENOSPC, EIO…) to a domain error; anything else becomes INTERNAL. */
export function fromSystemError(err: unknown, what: string): LoftError {
  if (err instanceof LoftError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new LoftError('NOSPACE', `${what}: no space left`, { cause: err });
  if (code === 'EIO' || code === 'EAGAIN' || code === 'EMFILE' || code === 'ENFILE' || code === 'EBUSY') {
    return new LoftError('TEMP', `${what}: ${code}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new LoftError('INTERNAL', `${what}: ${message}`, { cause: err });
}
