import type { Logger } from '../../src/main/auth/logger.js';

/** A Logger that keeps every line so tests can assert what was (and was not) written. */
export function captureLogs(): Logger & { readonly lines: string[]; text(): string } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => void lines.push(`info ${message}`),
    warn: (message) => void lines.push(`warn ${message}`),
    error: (message) => void lines.push(`error ${message}`),
    text: () => lines.join('\n'),
  };
}
