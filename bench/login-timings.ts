import * as client from 'openid-client';
import type { AuthService } from '../src/main/auth/flows/auth-service.js';
import type { RunningIdp } from '../tools/idp/start-idp.js';
import { acceptConsent, signIn } from '../test/support/sign-in.js';
import type { SystemBrowser } from '../test/support/system-browser.js';
import { type loadPeerConfiguration, runPeerLogin } from './peer-appauth.js';
import type { createXdgOpen } from './xdg-open.js';

/** Requests the provider saw and connections the proxy accepted, so far. */
export interface NetworkCount {
  readonly requests: number;
  readonly connections: number;
}

/** Round trips on one critical path: requests, and of those the ones that opened a new connection. */
export interface RoundTrips {
  readonly urlOpened: NetworkCount;
  readonly callbackToSignedIn: NetworkCount;
}

/** One login's figures in milliseconds, counted from the click. */
export interface LoginSample {
  /**
   * Ours only, from the state events: code exchange + ID token validation, and the keychain write
   * that goes on after signed in shows (persistence `saving` until it settles).
   */
  readonly exchangeMs?: number;
  readonly saveMs?: number;
  readonly urlOpenedMs: number;
  readonly redirectToSignedInMs: number;
  readonly roundTripMs: number;
  readonly roundTrips: RoundTrips;
}

/** What both logins share: the browser the person uses and the `xdg-open` they are handed to. */
export interface LoginStage {
  readonly browser: SystemBrowser;
  readonly opener: Awaited<ReturnType<typeof createXdgOpen>>;
  readonly email: string;
  /** What the provider and the proxy have seen so far. */
  readonly count: () => NetworkCount;
  /** How long the person stays on the sign-in page before typing; default none. */
  readonly thinkMs?: number;
}

/** Plays the person in a fresh browser profile; returns when the callback request left the browser. */
export async function personSignsInAt(
  stage: LoginStage,
  url: string,
): Promise<{ callbackAt: Promise<{ at: number; count: NetworkCount }> }> {
  const context = await stage.browser.newProfile();
  const page = await context.newPage();
  const callbackAt = new Promise<{ at: number; count: NetworkCount }>((resolve) => {
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/callback') resolve({ at: performance.now(), count: stage.count() });
    });
  });
  await page.goto(url);
  if (stage.thinkMs) await page.waitForTimeout(stage.thinkMs);
  await signIn(page, stage.email, 'demo');
  await acceptConsent(page);
  void callbackAt.finally(() => setTimeout(() => void context.close(), 200));
  return { callbackAt };
}

const between = (from: NetworkCount, to: NetworkCount): NetworkCount => ({
  requests: to.requests - from.requests,
  connections: to.connections - from.connections,
});

/** Ours: the real auth core, xdg-open as the system browser hand-off, the real keychain. */
export async function ourLogin(service: AuthService, stage: LoginStage): Promise<LoginSample> {
  const started = performance.now();
  const atClick = stage.count();
  let signedIn: { at: number; count: NetworkCount } | undefined;
  let exchangingAt = 0;
  let savingAt = 0;
  let savedAt = 0;
  const unsubscribe = service.subscribe((state) => {
    const now = performance.now();
    // The first signed-in state is what the person sees; a later one reports the write settling.
    if (state.status === 'signed-in') signedIn ??= { at: now, count: stage.count() };
    if (state.status === 'signed-in' && state.persistence !== 'saving' && savedAt === 0) savedAt = now;
    if (state.status === 'signing-in' && state.step === 'exchanging-code') exchangingAt = now;
    if (state.status === 'signing-in' && state.step === 'saving-session') savingAt = now;
  });
  const done = service.login();
  const { url, at: openedAt } = await stage.opener.next();
  const atOpened = stage.count();
  const { callbackAt } = await personSignsInAt(stage, url);
  const final = await done;
  unsubscribe();
  if (final.status !== 'signed-in' || signedIn === undefined || savedAt === 0) {
    throw new Error(`login failed: ${JSON.stringify(final)}`);
  }
  const callback = await callbackAt;
  return {
    exchangeMs: savingAt - exchangingAt,
    saveMs: savedAt - signedIn.at,
    urlOpenedMs: openedAt - started,
    redirectToSignedInMs: signedIn.at - callback.at,
    roundTripMs: signedIn.at - started,
    roundTrips: { urlOpened: between(atClick, atOpened), callbackToSignedIn: between(callback.count, signedIn.count) },
  };
}

/** The peer: AppAuth-JS with its Node loopback handler, same provider, browser and hand-off. */
export async function peerLogin(
  peerConfig: Awaited<ReturnType<typeof loadPeerConfiguration>>,
  app: { clientId: string; audience: string },
  stage: LoginStage,
): Promise<LoginSample> {
  const started = performance.now();
  const atClick = stage.count();
  const peer = quietly(() => runPeerLogin(peerConfig, { ...app, port: 53790 }));
  const { url, at: openedAt } = await stage.opener.next();
  const atOpened = stage.count();
  const { callbackAt } = await personSignsInAt(stage, url);
  const doneAt = await peer;
  const atDone = stage.count();
  const callback = await callbackAt;
  return {
    urlOpenedMs: openedAt - started,
    redirectToSignedInMs: doneAt - callback.at,
    roundTripMs: doneAt - started,
    roundTrips: { urlOpened: between(atClick, atOpened), callbackToSignedIn: between(callback.count, atDone) },
  };
}

/** The floor: the provider's own time for an authorize request made directly. */
export async function measureAuthorizeRequests(idp: RunningIdp, logins: number): Promise<number[]> {
  const oidc = await client.discovery(new URL(idp.issuer), idp.clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  const authorizeMs: number[] = [];
  for (let index = 0; index < logins; index += 1) {
    const url = client.buildAuthorizationUrl(oidc, {
      redirect_uri: 'http://127.0.0.1:53791/callback',
      scope: 'openid profile email offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: client.randomState(),
      audience: idp.audience,
    });
    const started = performance.now();
    const response = await fetch(url, { redirect: 'manual' });
    await response.arrayBuffer();
    authorizeMs.push(performance.now() - started);
  }
  return authorizeMs;
}

/** AppAuth-JS logs codes and verifiers with console.log; the bench output must carry no secret. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const original = console.log;
  console.log = () => undefined;
  try {
    return await work();
  } finally {
    console.log = original;
  }
}
