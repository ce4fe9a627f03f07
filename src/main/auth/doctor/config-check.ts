import { isAuthError } from '../auth-error.js';
import { loadConfig, withDotEnv, type AuthConfig, type AuthEnv } from '../config/config.js';
import { result, type CheckResult } from './check-result.js';

/** The configuration check, and the settings the remaining checks can use. */
export interface ConfigOutcome {
  readonly check: CheckResult;
  /** Present when the remaining checks can run, even if `check` failed for a secret alone. */
  readonly config?: AuthConfig;
}

/**
 * Validates the settings with the app's own `loadConfig`, so the doctor reports the very
 * messages the app would. A client secret is the one mistake the app would not use anyway, so
 * the other checks still run with it left out: the person learns everything else in one go.
 */
export function checkConfig(env: AuthEnv, dotEnvPath?: string): ConfigOutcome {
  let merged: AuthEnv;
  try {
    merged = dotEnvPath === undefined ? env : withDotEnv(env, dotEnvPath);
  } catch (error) {
    return { check: fromError(error) };
  }
  try {
    const config = loadConfig(merged);
    const where = config.demo ? `the local demo identity provider at ${config.issuer.href}` : config.issuer.host;
    return { check: result('config', 'pass', `Client ${config.clientId} at ${where}.`), config };
  } catch (error) {
    const check = fromError(error);
    if (merged['AUTH0_CLIENT_SECRET'] === undefined) return { check };
    try {
      return { check, config: loadConfig({ ...merged, AUTH0_CLIENT_SECRET: undefined }) };
    } catch {
      return { check };
    }
  }
}

function fromError(error: unknown): CheckResult {
  if (!isAuthError(error)) throw error;
  // loadConfig lists every problem as "- <problem and its fix>" under one heading.
  const problems = error.message
    .split('\n')
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2));
  if (problems.length === 0) return result('config', 'fail', error.message, error.message);
  return result(
    'config',
    'fail',
    `${problems.length === 1 ? 'One setting needs' : `${problems.length} settings need`} fixing (in .env or the environment).`,
    problems.join('\n'),
  );
}
