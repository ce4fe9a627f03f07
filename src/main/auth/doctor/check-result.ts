/** How one check came out; `skip` means it could not run because an earlier check failed. */
export type Verdict = 'pass' | 'warn' | 'fail' | 'skip';

/** The stable ids of the doctor's checks, in the order they run and print. */
export const CHECK_IDS = [
  'config',
  'discovery',
  'issuer',
  'pkce',
  'logout-endpoints',
  'dpop',
  'id-token-alg',
  'callback-ports',
  'client-id',
  'callback-url',
  'sign-in-request',
  'public-client',
  'refresh-tokens',
  'keychain',
  'electron',
] as const;

/** One check's stable id; tools switch on it, never on the title. */
export type CheckId = (typeof CHECK_IDS)[number];

/** What each check's line says; the id is stable, the title is for people. */
export const CHECK_TITLES: Readonly<Record<CheckId, string>> = {
  config: 'Configuration',
  discovery: 'Discovery document reachable',
  issuer: 'Issuer matches AUTH0_DOMAIN',
  pkce: 'PKCE S256 supported',
  'logout-endpoints': 'Logout and revocation endpoints published',
  dpop: 'DPoP sender-constrained tokens',
  'id-token-alg': 'ID token signing algorithm',
  'callback-ports': 'Callback ports free on 127.0.0.1',
  'client-id': 'Client ID known to the tenant',
  'callback-url': 'Callback URL registered',
  'sign-in-request': 'Sign-in request accepted',
  'public-client': 'Native app without a client secret',
  'refresh-tokens': 'Refresh tokens',
  keychain: 'OS keychain',
  electron: 'Electron binary',
};

/** One line of the checklist. Never carries a token, secret, state or full authorization URL. */
export interface CheckResult {
  readonly id: CheckId;
  readonly title: string;
  readonly verdict: Verdict;
  /** What was found, in a sentence or two. */
  readonly detail: string;
  /** For warn and fail: exactly what to change (which dashboard field, which value). */
  readonly fix?: string;
}

/** What the doctor checked and what it found; plain data, safe to send over IPC. */
export interface DoctorReport {
  /** False when any check failed (warnings do not count). */
  readonly ok: boolean;
  /** The tenant and client checked, when the configuration named them. Never the client secret. */
  readonly target?: {
    readonly issuer: string;
    readonly clientId: string;
    readonly demo: boolean;
    /** Nothing was configured, so the doctor started the demo provider `npm start` would start, and checked that. */
    readonly startedForCheck?: true;
  };
  readonly checks: readonly CheckResult[];
}

/** Builds a result; a `fix` is kept only for warn and fail, where it tells the person what to do. */
export function result(id: CheckId, verdict: Verdict, detail: string, fix?: string): CheckResult {
  const keepFix = fix !== undefined && (verdict === 'warn' || verdict === 'fail');
  return { id, title: CHECK_TITLES[id], verdict, detail, ...(keepFix ? { fix } : {}) };
}

/** A check that could not run because `because` (an earlier failure) left it nothing to test. */
export function skipped(id: CheckId, because: string): CheckResult {
  return result(id, 'skip', `Not checked: ${because}.`);
}
