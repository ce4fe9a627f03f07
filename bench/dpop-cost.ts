import { startApp } from '../test/support/app-harness.js';
import { ourLogin, type LoginStage } from './login-timings.js';
import type { Network } from './network-logins.js';
import { stats, type Stats } from './stats.js';

/** What DPoP adds, ours with it and ours with AUTH0_DPOP=false, same provider and run. */
export interface DpopCost {
  /** Code exchange + ID token check (a DPoP login also makes its key and signs one proof). */
  readonly loginExchange: { readonly dpop: Stats; readonly bearer: Stats };
  /** callback -> signed in. */
  readonly loginCallbackToSignedIn: { readonly dpop: Stats; readonly bearer: Stats };
  /** One "Call API" with a valid access token: DPoP signs a new proof for every call. */
  readonly apiCall: { readonly dpop: Stats; readonly bearer: Stats };
}

const LOGINS = 5;
const API_CALLS = 50;

/**
 * Ours twice on the same network: AUTH0_DPOP unset (the provider offers DPoP, so it is used) and
 * AUTH0_DPOP=false (Bearer), logins alternating, then API calls alternating in rounds.
 */
export async function measureDpopCost(network: Network, stage: LoginStage): Promise<DpopCost> {
  const apps = {
    dpop: appWith(network, stage, {}),
    bearer: appWith(network, stage, { AUTH0_DPOP: 'false' }),
  };
  const exchange = { dpop: [] as number[], bearer: [] as number[] };
  const callback = { dpop: [] as number[], bearer: [] as number[] };
  const api = { dpop: [] as number[], bearer: [] as number[] };
  try {
    for (let index = 0; index < LOGINS; index += 1) {
      for (const kind of ['dpop', 'bearer'] as const) {
        const sample = await ourLogin(apps[kind].service, stage);
        exchange[kind].push(sample.exchangeMs ?? NaN);
        callback[kind].push(sample.redirectToSignedInMs);
      }
    }
    for (let index = 0; index < API_CALLS; index += 1) {
      for (const kind of ['dpop', 'bearer'] as const) {
        const started = performance.now();
        await apps[kind].service.callApi('private');
        api[kind].push(performance.now() - started);
      }
    }
  } finally {
    await Promise.all([apps.dpop.service.dispose(), apps.bearer.service.dispose()]);
  }
  const pair = (samples: { dpop: number[]; bearer: number[] }) => ({
    dpop: stats(samples.dpop),
    bearer: stats(samples.bearer),
  });
  return { loginExchange: pair(exchange), loginCallbackToSignedIn: pair(callback), apiCall: pair(api) };
}

/** An app on the network's provider without a keychain: the write is not what is compared here. */
function appWith(network: Network, stage: LoginStage, env: Record<string, string>): ReturnType<typeof startApp> {
  return startApp({
    idp: network.idp,
    browser: stage.browser,
    env: { LOGIN_TIMEOUT_SECONDS: '60', ...env },
    deps: { openBrowser: (url) => stage.opener.open(url) },
  });
}
