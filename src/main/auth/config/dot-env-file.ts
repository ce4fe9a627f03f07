import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { AuthError } from '../auth-error.js';
import type { AuthEnv } from './config.js';

/** Reads a `.env` file if it exists; variables already in `env` win, as with dotenv. */
export function withDotEnv(env: AuthEnv, dotEnvPath: string): AuthEnv {
  let text: string;
  try {
    text = readFileSync(dotEnvPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw new AuthError('config_invalid', `Could not read ${dotEnvPath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { ...parseEnv(text), ...env };
}
