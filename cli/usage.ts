/** A bad argument detected after parsing (e.g. a malformed date): `floe` exits 2 with this message. */
export class UsageError extends Error {
  override name = 'UsageError';
}
