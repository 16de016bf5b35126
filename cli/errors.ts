/** A user error: the message says what to fix; the CLI prints it without a stack trace and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
