import { DEMO_ISSUER_VARIABLE, withDotEnv, type AuthEnv } from '../src/main/auth/config/config.js';
import { startIdp } from '../tools/idp/start-idp.js';

/** A demo provider the doctor started, and the environment that points the checks at it. */
export interface DemoProviderForCheck {
  readonly env: AuthEnv;
  readonly issuer: string;
  close(): Promise<void>;
}

/**
 * With neither a tenant nor a demo provider configured (in the environment or `.env`), `npm start`
 * starts the local demo provider and the app signs in there; the doctor does the same, so a new
 * person's first `npm run doctor` checks what `npm start` will use instead of failing on a setting
 * they do not need yet. Undefined when something is configured: that is what gets checked.
 */
export async function startDemoProviderIfUnconfigured(
  env: AuthEnv,
  dotEnvPath: string,
): Promise<DemoProviderForCheck | undefined> {
  let merged: AuthEnv;
  try {
    merged = withDotEnv(env, dotEnvPath);
  } catch {
    return undefined; // The configuration check reports an unreadable .env.
  }
  const isSet = (name: string): boolean => (merged[name]?.trim() ?? '') !== '';
  if (isSet('AUTH0_DOMAIN') || isSet(DEMO_ISSUER_VARIABLE)) return undefined;
  // Port 0: a running `npm start` or `npm run idp` keeps its port, and this one never collides.
  const idp = await startIdp({ port: 0 });
  return {
    // As scripts/start.ts: the demo API's audience unless the person chose one.
    env: { ...env, [DEMO_ISSUER_VARIABLE]: idp.issuer, AUTH0_AUDIENCE: merged['AUTH0_AUDIENCE'] ?? idp.audience },
    issuer: idp.issuer,
    close: () => idp.close(),
  };
}
