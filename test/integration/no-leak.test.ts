import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO_ISSUER_VARIABLE } from '../../src/main/auth/config/config.js';
import { runDoctor } from '../../src/main/auth/doctor/run-doctor.js';
import { createAuthHandlers, type AuthHandlers } from '../../src/main/ipc/ipc-handlers.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { createKeychainTokenStore, type LoadResult } from '../../src/main/auth/session/token-store.js';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { startApp, testClock, personSignsInAndOut, type TestClock } from '../support/app-harness.js';
import { keychainUnavailableReason, type TestKeychain } from '../support/keychain.js';
import { startStoryServices, stopStoryServices } from '../support/story-services.js';
import { browserUnavailableReason, type SystemBrowser } from '../support/system-browser.js';

const skip = (await keychainUnavailableReason()) ?? browserUnavailableReason();
if (skip) process.stdout.write(`# skipping canary test: ${skip}\n`);

const MAX_FILE_BYTES = 5 * 1024 * 1024;

let idp: RunningIdp;
let browser: SystemBrowser;
let keychain: TestKeychain;
let keytar: SecretStore;

/** The secrets of one session, each with a name for the failure message. */
class Canaries {
  readonly #values = new Map<string, string>();
  readonly #names = new Set<string>();

  add(name: string, value: string | null | undefined): void {
    if (typeof value !== 'string' || value.length < 16) return;
    this.#names.add(name);
    this.#values.set(value, name);
    // A JWT's signature is unique to it: catches a token that was cut or reformatted before it leaked.
    const parts = value.split('.');
    if (parts.length === 3 && (parts[2]?.length ?? 0) >= 16) this.#values.set(parts[2] ?? '', `${name} (signature)`);
  }

  addSession(label: string, store: LoadResult): void {
    assert.equal(store.kind, 'found');
    if (store.kind !== 'found') return;
    this.add(`${label} access token`, store.session.tokens.accessToken);
    this.add(`${label} refresh token`, store.session.tokens.refreshToken);
    this.add(`${label} ID token`, store.session.tokens.idToken);
    // The DPoP private key: its `d` must stay in the keychain like the tokens it protects.
    this.add(`${label} DPoP private key`, store.session.dpopKey?.d);
  }

  /** Every kind of secret observed. */
  names(): string[] {
    return [...this.#names];
  }

  /** Names of the secrets found in `text`. */
  foundIn(text: string): string[] {
    return [...this.#values].filter(([value]) => text.includes(value)).map(([, name]) => name);
  }
}

/** Every regular file under `dir` changed since `since`, below the size limit; vanished files are skipped. */
async function* recentFiles(dir: string, since: number): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      yield* recentFiles(path, since);
    } else if (entry.isFile()) {
      const info = await stat(path).catch(() => undefined);
      if (info && info.mtimeMs >= since && info.size < MAX_FILE_BYTES) yield path;
    }
  }
}

/** Every secret the app sent to or got from the token endpoint becomes a canary. */
function observingFetch(canaries: Canaries): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const sent = init?.body;
    if (typeof sent === 'string' || sent instanceof URLSearchParams) {
      const form = new URLSearchParams(sent);
      for (const name of ['code', 'code_verifier', 'refresh_token', 'token']) canaries.add(name, form.get(name));
    }
    const response = await fetch(input, init);
    if (url.pathname === '/oauth/token' && response.ok) {
      const body = (await response
        .clone()
        .json()
        .catch(() => ({}))) as Record<string, unknown>;
      for (const name of ['access_token', 'refresh_token', 'id_token']) {
        canaries.add(name, typeof body[name] === 'string' ? body[name] : undefined);
      }
    }
    return response;
  };
}

/** Console output of the whole process while `work` runs. */
async function capturingConsole<T>(printed: string[], work: () => Promise<T>): Promise<T> {
  const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originals = consoleMethods.map((name) => console[name].bind(console));
  for (const name of consoleMethods) {
    console[name] = (...args: unknown[]): void => void printed.push(args.map(String).join(' '));
  }
  try {
    return await work();
  } finally {
    for (const [index, name] of consoleMethods.entries()) console[name] = originals[index] as typeof console.log;
  }
}

type App = ReturnType<typeof startApp>;

/**
 * The renderer's side of the app: the very handler table main registers (ipc-handlers.ts),
 * with every result kept, as the renderer would receive it.
 */
function renderer(app: App, label: string) {
  const payloads: Array<{ channel: string; result: unknown }> = [];
  let clipboard = '';
  const clipboardWrites: string[] = [];
  // A variable, not a literal: the shell's surface grows over time and this stand-in may offer more.
  const shell = {
    writeClipboard: (text: string) => {
      clipboard = text;
      clipboardWrites.push(text);
    },
    readClipboard: () => clipboard,
    clearClipboard: () => void (clipboard = ''),
  };
  const handlers: AuthHandlers = createAuthHandlers({
    service: app.service,
    appInfo: { demo: true, issuerHost: new URL(idp.issuer).host },
    shell,
    // "Check my setup" as main wires it: the doctor's checks, on a throwaway keychain service.
    checkSetup: () =>
      runDoctor(
        {
          [DEMO_ISSUER_VARIABLE]: idp.issuer,
          AUTH0_AUDIENCE: idp.audience,
          KEYCHAIN_SERVICE: keychain.serviceName(`${label}-doctor`),
        },
        { secretStore: () => keytar, findElectronBinary: () => undefined, networkTimeoutMs: 3_000 },
      ),
  });
  return {
    payloads,
    clipboardWrites,
    call: async (channel: keyof AuthHandlers): Promise<unknown> => {
      const result: unknown = await handlers[channel]();
      payloads.push({ channel, result });
      return result;
    },
  };
}

function startCanaryApp(options: {
  canaries: Canaries;
  clock: TestClock;
  label: string;
  act?: (page: Page, url: URL) => Promise<void>;
}): App {
  return startApp({
    idp,
    browser,
    keytar,
    act: options.act ?? personSignsInAndOut(idp),
    env: { KEYCHAIN_SERVICE: keychain.serviceName(options.label) },
    clock: options.clock,
    deps: {
      network: { fetch: observingFetch(options.canaries) },
    },
  });
}

/** The authorization request's own values, which the sign-in URL (and a copied link) must carry. */
const REQUEST_PARAMETERS = new Set(['state', 'nonce', 'code_challenge']);

function withoutRequestParameters(found: readonly string[]): string[] {
  return found.filter((name) => !REQUEST_PARAMETERS.has(name));
}

/**
 * Asserts no canary is in the IPC results, state events, log lines, URLs handed to the
 * browser, everything written to the clipboard, console output or `extra` texts.
 */
function assertNoCanary(
  canaries: Canaries,
  seen: {
    payloads: readonly unknown[];
    apps: readonly App[];
    printed: readonly string[];
    extra?: Record<string, string>;
  },
): void {
  assert.ok(seen.payloads.length > 0);
  for (const payload of seen.payloads)
    assert.deepEqual(canaries.foundIn(JSON.stringify(payload)), [], `IPC result ${JSON.stringify(payload)}`);
  for (const app of seen.apps) {
    assert.ok(app.logs.lines.length > 3, 'the app did log');
    assert.deepEqual(canaries.foundIn(app.logs.text()), [], 'app log lines');
    assert.ok(app.states.length > 3);
    for (const state of app.states) assert.deepEqual(canaries.foundIn(JSON.stringify(state)), [], 'state events');
    // Browsers keep every URL they are handed in history and session files (checklist 12).
    assert.ok(app.opener.urls.length > 0, 'the app did open the browser');
    const urls = app.opener.urls.map((url) => url.href).join('\n');
    assert.deepEqual(withoutRequestParameters(canaries.foundIn(urls)), [], 'URLs handed to the browser');
  }
  assert.deepEqual(canaries.foundIn(seen.printed.join('\n')), [], 'console output');
  for (const [where, text] of Object.entries(seen.extra ?? {})) assert.deepEqual(canaries.foundIn(text), [], where);
}

/** The IPC result's value or failure, for assertions about what the renderer got. */
function ok(result: unknown): unknown {
  assert.equal((result as { ok?: unknown }).ok, true, JSON.stringify(result));
  return (result as { value: unknown }).value;
}

function failed(result: unknown): { code: string; message: string } {
  assert.equal((result as { ok?: unknown }).ok, false, JSON.stringify(result));
  return result as { code: string; message: string };
}

describe('no token leaks: canaries from a real session', () => {
  before(async () => {
    if (skip) return;
    ({ idp, browser, keychain, keytar } = await startStoryServices());
  });
  after(() => stopStoryServices({ idp, browser, keychain }));

  test(
    'sign-in, refresh, API call, setup check and sign-out through the IPC handlers leave no secret in IPC results, state events, logs or files',
    { skip },
    async () => {
      const startedAt = Date.now() - 1_000;
      const canaries = new Canaries();
      const printed: string[] = [];
      const clock = testClock();
      const late: { ui?: ReturnType<typeof renderer> } = {};
      const signInAndOut = personSignsInAndOut(idp);
      const app = startCanaryApp({
        canaries,
        clock,
        label: 'canaries',
        // While the sign-in page is open, the person also copies the sign-in link.
        act: async (page, url) => {
          if (url.pathname === '/authorize') await late.ui?.call('auth:copy-sign-in-link');
          await signInAndOut(page, url);
        },
      });
      const ui = renderer(app, 'canaries');
      late.ui = ui;
      const { call } = ui;
      const store = createKeychainTokenStore(keytar, app.config.keychainService);
      await capturingConsole(printed, async () => {
        try {
          await app.service.restore();
          await call('auth:get-app-info');
          await call('auth:get-state');
          assert.equal((ok(await call('auth:login')) as { status: string }).status, 'signed-in');
          canaries.addSession('signed-in', await store.load());
          const authorization = app.opener.urls[0];
          assert.ok(authorization);
          for (const name of ['state', 'nonce', 'code_challenge'])
            canaries.add(name, authorization.searchParams.get(name));
          await call('auth:get-state');
          failed(await call('auth:reopen-browser'));
          failed(await call('auth:copy-sign-in-link'));
          ok(await call('auth:cancel-login'));

          clock.advance(3_600_000);
          assert.equal((ok(await call('auth:call-api')) as { status: number }).status, 200);
          canaries.addSession('refreshed', await store.load());
          ok(await call('auth:check-setup'));

          assert.deepEqual(ok(await call('auth:logout')), { status: 'signed-out', afterLogout: true });
          await app.opener.settled();
          await call('auth:get-state');
        } finally {
          await app.service.dispose();
        }
      });

      // The canaries are real: every kind of secret was observed, twice for the rotated ones.
      const names = canaries.names();
      for (const expected of [
        'code',
        'code_verifier',
        'state',
        'nonce',
        'access_token',
        'refresh_token',
        'id_token',
        'signed-in access token',
        'refreshed refresh token',
        'signed-in DPoP private key',
      ]) {
        assert.ok(names.includes(expected), `observed ${expected}`);
      }
      const copied = ui.payloads.find((payload) => payload.channel === 'auth:copy-sign-in-link');
      assert.deepEqual(copied?.result, { ok: true, value: null }, 'the link was copied during the sign-in');
      const channels = new Set(ui.payloads.map((payload) => payload.channel));
      assert.equal(channels.size, 9, `every request channel was called: ${[...channels].join(', ')}`);
      assert.deepEqual(
        await keytar.findCredentials(app.config.keychainService),
        [],
        'the keychain is empty after logout',
      );
      assert.ok(ui.clipboardWrites.length > 0, 'the sign-in link was copied');
      assertNoCanary(canaries, {
        payloads: ui.payloads,
        apps: [app],
        printed,
      });
      // The copied link is the authorization request itself: its own parameters belong there, nothing else.
      assert.deepEqual(withoutRequestParameters(canaries.foundIn(ui.clipboardWrites.join('\n'))), [], 'the clipboard');

      let files = 0;
      for await (const path of recentFiles(tmpdir(), startedAt)) {
        const content = await readFile(path).catch(() => undefined);
        if (!content) continue;
        files += 1;
        assert.deepEqual(canaries.foundIn(content.toString('latin1')), [], path);
      }
      assert.ok(files > 0, 'some files were written meanwhile (the keychain, the browser)');
    },
  );

  test(
    'a provider that echoes its input: failed refreshes and sign-ins carry no token, code, verifier, state or nonce into IPC results, state, logs or the browser tab',
    { skip },
    async () => {
      const canaries = new Canaries();
      const printed: string[] = [];
      const clock = testClock();
      const first = startCanaryApp({ canaries, clock, label: 'echo-refresh' });
      const second = startCanaryApp({ canaries, clock, label: 'echo-sign-in' });
      // The browser is sent straight back to the app: there is nothing for the person to do.
      const third = startCanaryApp({ canaries, clock, label: 'echo-authorize', act: () => Promise.resolve() });
      const uis = [
        renderer(first, 'echo-refresh'),
        renderer(second, 'echo-sign-in'),
        renderer(third, 'echo-authorize'),
      ] as const;
      const extra: Record<string, string> = {};
      // What the renderer got, judged after the scan: the scan is the point of this test.
      const refreshFailures: unknown[] = [];
      const afterwards: unknown[] = [];
      const signIn: unknown[] = [];
      await capturingConsole(printed, async () => {
        try {
          await first.service.restore();
          assert.equal((ok(await uis[0].call('auth:login')) as { status: string }).status, 'signed-in');
          await first.opener.settled();
          // Refreshes meet an endpoint (or proxy) that repeats the refresh token and the form it got.
          for (const fault of [
            { status: 400, echo: true, body: { error: '{refresh_token}', error_description: 'refused {form}' } },
            { status: 400, echo: true, body: { error: 'invalid_request', error_description: '{refresh_token}' } },
            {
              status: 401,
              echo: true,
              body: null,
              headers: { 'WWW-Authenticate': 'Bearer error="{refresh_token}", error_description="{form}"' },
            },
            { status: 200, echo: true, body: { token_type: 'Bearer', refresh_token: '{refresh_token}' } },
          ]) {
            idp.faults.set('/oauth/token', fault);
            clock.advance(3_600_000);
            refreshFailures.push(await uis[0].call('auth:call-api'));
            await uis[0].call('auth:get-state');
          }
          idp.faults.clear();
          afterwards.push(await uis[0].call('auth:call-api'));
          await uis[0].call('auth:logout');
          await first.opener.settled();

          // A sign-in whose code exchange meets an endpoint that repeats the code and verifier.
          await second.service.restore();
          idp.faults.set('/oauth/token', {
            status: 400,
            echo: true,
            body: { error: '{code_verifier}', error_description: 'bad code {code} for {form}' },
            times: 1,
          });
          signIn.push(await uis[1].call('auth:login'));
          await second.opener.settled();
          await uis[1].call('auth:get-state');
          const tab = second.opener.pages.at(-1);
          assert.ok(tab);
          extra['the browser tab'] = await tab.content();

          // An authorization endpoint that answers with an error naming the request's state, nonce
          // and PKCE challenge (RFC 6749 §4.1.2.1: the callback's error and error_description).
          // The finished sign-in's page holds the callback port; this app needs it next.
          await second.service.dispose();
          await third.service.restore();
          idp.faults.set('/authorize', {
            status: 303,
            echo: true,
            body: null,
            headers: {
              // With the provider's own iss (RFC 9207), so the error itself is what the app judges.
              Location: `{redirect_uri}?state={state}&error={state}&error_description=echo+{nonce}+{code_challenge}&iss=${encodeURIComponent(idp.issuer)}`,
            },
            times: 1,
          });
          signIn.push(await uis[2].call('auth:login'));
          await third.opener.settled();
          await uis[2].call('auth:get-state');
          const authorization = third.opener.urls[0];
          assert.ok(authorization);
          for (const name of ['state', 'nonce', 'code_challenge'])
            canaries.add(name, authorization.searchParams.get(name));
        } finally {
          idp.faults.clear();
          await Promise.all([first, second, third].map((app) => app.service.dispose()));
        }
      });

      const names = canaries.names();
      for (const expected of ['code', 'code_verifier', 'refresh_token', 'access_token', 'state', 'nonce']) {
        assert.ok(names.includes(expected), `observed ${expected}`);
      }
      assertNoCanary(canaries, {
        payloads: uis.flatMap((ui) => ui.payloads),
        apps: [first, second, third],
        printed,
        extra,
      });
      // Each echo is reported as what it was, none of them ended the session, and the sign-in failed.
      assert.deepEqual(
        refreshFailures.map((result) => failed(result).code),
        ['token_exchange_failed', 'token_exchange_failed', 'provider_error', 'provider_unreachable'],
      );
      assert.equal((ok(afterwards[0]) as { status: number }).status, 200, 'the session survived the echoes');
      assert.deepEqual(
        signIn.map((result) => (ok(result) as { status: string; error?: { code: string } }).error?.code),
        ['token_exchange_failed', 'provider_error'],
      );
    },
  );
});
