import type * as client from 'openid-client';
import type { AuthConfig, AuthEnv } from '../config/config.js';
import { loadKeytar, type SecretStore } from '../session/secret-store.js';
import { probeAuthorization, judgeAuthorization } from './authorization-check.js';
import { checkCallbackPorts } from './callback-port-check.js';
import { CHECK_IDS, skipped, type CheckId, type CheckResult, type DoctorReport } from './check-result.js';
import { checkConfig } from './config-check.js';
import { checkDiscovery } from './discovery-checks.js';
import { checkElectron } from './electron-check.js';
import { checkKeychain } from './keychain-check.js';
import { checkIdTokenSigning } from './signing-alg-check.js';
import { checkPublicClient, checkRefreshTokens } from './token-endpoint-checks.js';

/** The doctor's collaborators; every member is optional and defaults to the real thing. */
export interface DoctorDeps {
  /** Reads this `.env` file under `env`, as the app does (variables in `env` win). */
  readonly dotEnvPath?: string;
  /** Used for every request to the provider. */
  readonly fetch?: typeof fetch;
  /** Opens the OS keychain; default keytar. */
  readonly secretStore?: () => SecretStore;
  /** Finds the Electron binary; omitted (inside the app) the check is skipped. */
  readonly findElectronBinary?: () => string | undefined;
  /** Picks the keychain fix for this OS; default `process.platform`. */
  readonly platform?: NodeJS.Platform;
  /** Per request to the provider (discovery, authorization, token). Default 5,000 ms. */
  readonly networkTimeoutMs?: number;
  /** Per keychain call; a locked keychain may wait for a password prompt. Default 20,000 ms. */
  readonly keychainTimeoutMs?: number;
  /** The caller started the demo provider in `env` because no provider was configured (scripts/doctor.ts). */
  readonly demoStartedForCheck?: boolean;
}

const DEFAULT_NETWORK_TIMEOUT_MS = 5_000;
const DEFAULT_KEYCHAIN_TIMEOUT_MS = 20_000;
/** How the checks reach the provider. */
interface DoctorNetwork {
  readonly fetch?: typeof fetch;
  readonly timeoutMs: number;
}

/** The probe entry's service when the configuration does not name one. */
const FALLBACK_KEYCHAIN_SERVICE = 'Desktop Login (doctor)';

/**
 * Checks a developer's setup with the app's own modules (config, discovery, loopback server,
 * keychain) against the real provider, and says for each mistake exactly what to change.
 * Never throws for a setup problem; never sends or prints a token or secret.
 */
export async function runDoctor(env: AuthEnv, deps: DoctorDeps = {}): Promise<DoctorReport> {
  const network: DoctorNetwork = {
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    timeoutMs: deps.networkTimeoutMs ?? DEFAULT_NETWORK_TIMEOUT_MS,
  };
  const checks: CheckResult[] = [];
  const { check: configCheck, config } = checkConfig(env, deps.dotEnvPath);
  checks.push(configCheck);

  if (config === undefined) {
    checks.push(...skippedUntil('keychain', 'the configuration is invalid'));
  } else {
    checks.push(...(await checkProvider(config, network)));
  }

  checks.push(
    await checkKeychain({
      secretStore: deps.secretStore ?? loadKeytar,
      // A service of its own: a running app's entries are never touched, and the app's last-resort
      // listing of its service (keytar crashes when a delete lands during one) never meets a probe.
      service: config ? `${config.keychainService} keychain check` : FALLBACK_KEYCHAIN_SERVICE,
      platform: deps.platform ?? process.platform,
      timeoutMs: deps.keychainTimeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS,
    }),
  );
  checks.push(checkElectron(deps.findElectronBinary));

  return {
    ok: checks.every((check) => check.verdict !== 'fail'),
    ...(config !== undefined ? { target: targetOf(config, deps.demoStartedForCheck === true) } : {}),
    checks,
  };
}

function targetOf(config: AuthConfig, demoStartedForCheck: boolean): NonNullable<DoctorReport['target']> {
  const target = { issuer: config.issuer.href, clientId: config.clientId, demo: config.demo };
  return config.demo && demoStartedForCheck ? { ...target, startedForCheck: true } : target;
}

/** The checks against the provider and this computer's callback ports, for a valid configuration. */
async function checkProvider(config: AuthConfig, network: DoctorNetwork): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const discovery = await checkDiscovery(config, network);
  checks.push(...discovery.checks);
  checks.push(
    discovery.oidc
      ? await checkIdTokenSigning(config, discovery.oidc, network)
      : skipped('id-token-alg', discovery.blocked ?? 'discovery could not be loaded'),
  );
  const ports = await checkCallbackPorts(config.callback);
  checks.push(ports.check);

  const oidc = discovery.oidc;
  if (oidc === undefined) {
    const because = discovery.blocked ?? 'discovery could not be loaded';
    checks.push(...skippedBetween('client-id', 'public-client', because));
    checks.push(await checkRefreshTokens(undefined, config, false, because));
  } else {
    checks.push(...(await checkClient(oidc, config, ports.redirectUris, network)));
  }
  return checks;
}

/** The authorization request per callback port, then the token endpoint's view of the client. */
async function checkClient(
  oidc: client.Configuration,
  config: AuthConfig,
  redirectUris: readonly string[],
  network: DoctorNetwork,
): Promise<CheckResult[]> {
  const probes = [];
  for (const redirectUri of redirectUris) {
    probes.push({ redirectUri, probe: await probeAuthorization(oidc, config, redirectUri, network) });
  }
  const checks = judgeAuthorization(config, probes);
  const clientVerdict = checks.find((check) => check.id === 'client-id')?.verdict;
  const firstRedirectUri = redirectUris[0];
  // invalid_client at the token endpoint means "unknown" as well as "confidential": ask only for a known client.
  if (clientVerdict === 'pass' && firstRedirectUri !== undefined) {
    const publicClient = await checkPublicClient(oidc, firstRedirectUri);
    checks.push(publicClient.check);
    checks.push(
      await checkRefreshTokens(
        oidc,
        config,
        !publicClient.confidential,
        'the token endpoint wants a client secret from this client',
      ),
    );
  } else {
    const because = clientVerdict === 'fail' ? 'the client is unknown' : 'the client could not be checked';
    checks.push(skipped('public-client', because));
    checks.push(await checkRefreshTokens(oidc, config, false, because));
  }
  return checks;
}

/** Skips every check after `config` and before `until`. */
function skippedUntil(until: CheckId, because: string): CheckResult[] {
  const end = CHECK_IDS.indexOf(until);
  return CHECK_IDS.slice(1, end).map((id) => skipped(id, because));
}

/** Skips `from` through `to`, inclusive. */
function skippedBetween(from: CheckId, to: CheckId, because: string): CheckResult[] {
  return CHECK_IDS.slice(CHECK_IDS.indexOf(from), CHECK_IDS.indexOf(to) + 1).map((id) => skipped(id, because));
}
