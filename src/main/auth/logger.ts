/** Where the auth core writes what happened. Callers must never pass codes, state, verifiers, tokens or full URLs. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that drops everything, for callers that do not care. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** A logger writing one line per event to stderr with a prefix. */
export function consoleLogger(prefix = 'auth'): Logger {
  const write = (level: string, message: string): void => {
    process.stderr.write(`[${prefix}] ${level} ${message}\n`);
  };
  return {
    info: (message) => write('info', message),
    warn: (message) => write('warn', message),
    error: (message) => write('error', message),
  };
}
