/** Walks `error` and its `cause` chain for the first value `match` accepts. */
export function findCause<T>(error: unknown, match: (value: unknown) => value is T): T | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    if (match(current)) return current;
    seen.add(current);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return undefined;
}

/** Says in a few words why a request got no answer: timeout, refused, unknown host, or TLS. */
export function networkReason(error: unknown): string {
  const timedOut = findCause(
    error,
    (value): value is Error =>
      value instanceof Error &&
      (value.name === 'TimeoutError' || (value as { code?: unknown }).code === 'OAUTH_TIMEOUT'),
  );
  if (timedOut) return 'timed out';
  const coded = findCause(
    error,
    (value): value is { code: string } =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { code?: unknown }).code === 'string' &&
      /^E[A-Z_]+$|^(?:UND|CERT|ERR_TLS|SELF_SIGNED|DEPTH_ZERO)/.test((value as { code: string }).code),
  );
  const code = coded?.code;
  if (code === undefined) return 'no answer';
  if (code === 'ECONNREFUSED') return 'connection refused: nothing is listening there';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name not found';
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out';
  return code.startsWith('E') && !code.startsWith('ERR_TLS') ? code : `TLS problem ${code}`;
}
