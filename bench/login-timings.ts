import * as client from 'openid-client';
import type { AuthService } from '../src/main/auth/flows/auth-service.js';
import type { RunningIdp } from '../tools/idp/start-idp.js';
import { acceptConsent, signIn } from '../test/support/sign-in.js';
import type { SystemBrowser } from '../test/support/system-browser.js';
import { loadPeerConfiguration, runPeerLogin } from './peer-appauth.js';
import type { createXdgOpen } from './xdg-open.js';

/** One login's figures in milliseconds, counted from the click. */
export interface LoginSample {
  /** Ours only: code exchange + ID token validation, and the keychain write, from the state events. */
  readonly exchangeMs?: number;
  readonly saveMs?: number;
  readonly urlOpenedMs: number;
  readonly redirectToSignedInMs: number;
  readonly roundTripMs: number;
}

/** What both logins share: the browser the person uses and the `xdg-open` they are handed to. */
export interface LoginStage {
  readonly browser: SystemBrowser;
  readonly opener: Awaited<ReturnType<typeof createXdgOpen>>;
  readonly email: string;
}

/** Plays the person in a fresh browser profile; returns when the callback request left the browser. */
async function personSignsInAt(
  browser: SystemBrowser,
  url: string,
  email: string,
): Promise<{ callbackAt: Promise<number> }> {
  const context = await browser.newProfile();
  const page = await context.newPage();
  const callbackAt = new Promise<number>((resolve) => {
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/callback') resolve(performance.now());
    });
  });
  await page.goto(url);
  await signIn(page, email, 'demo');
  await acceptConsent(page);
  void callbackAt.finally(() => setTimeout(() => void context.close(), 200));
  return { callbackAt };
}

/** Ours: the real auth core, xdg-open as the system browser hand-off, the real keychain. */
export async function measureOurLogins(
  service: AuthService,
  stage: LoginStage,
  logins: number,
): Promise<LoginSample[]> {
  const samples: LoginSample[] = [];
  for (let index = 0; index < logins; index += 1) samples.push(await ourLogin(service, stage));
  return samples;
}

async function ourLogin(service: AuthService, { browser, opener, email }: LoginStage): Promise<LoginSample> {
  const started = performance.now();
  let signedInAt = 0;
  let exchangingAt = 0;
  let savingAt = 0;
  const unsubscribe = service.subscribe((state) => {
    if (state.status === 'signed-in') signedInAt = performance.now();
    if (state.status === 'signing-in' && state.step === 'exchanging-code') exchangingAt = performance.now();
    if (state.status === 'signing-in' && state.step === 'saving-session') savingAt = performance.now();
  });
  const done = service.login();
  const { url, at: openedAt } = await opener.next();
  const { callbackAt } = await personSignsInAt(browser, url, email);
  const final = await done;
  unsubscribe();
  if (final.status !== 'signed-in') throw new Error(`login failed: ${JSON.stringify(final)}`);
  return {
    exchangeMs: savingAt - exchangingAt,
    saveMs: signedInAt - savingAt,
    urlOpenedMs: openedAt - started,
    redirectToSignedInMs: signedInAt - (await callbackAt),
    roundTripMs: signedInAt - started,
  };
}

/** The peer: AppAuth-JS with its Node loopback handler, same provider, browser and hand-off. */
export async function measurePeerLogins(idp: RunningIdp, stage: LoginStage, logins: number): Promise<LoginSample[]> {
  const { browser, opener, email } = stage;
  const peerConfig = await loadPeerConfiguration(idp.origin);
  const samples: LoginSample[] = [];
  for (let index = 0; index < logins; index += 1) {
    const started = performance.now();
    const peer = quietly(() =>
      runPeerLogin(peerConfig, { clientId: idp.clientId, audience: idp.audience, port: 53790 }),
    );
    const { url, at: openedAt } = await opener.next();
    const { callbackAt } = await personSignsInAt(browser, url, email);
    const doneAt = await peer;
    samples.push({
      urlOpenedMs: openedAt - started,
      redirectToSignedInMs: doneAt - (await callbackAt),
      roundTripMs: doneAt - started,
    });
  }
  return samples;
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
