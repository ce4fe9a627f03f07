import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDirectoryLock } from '../../src/main/auth/refresh-lock.js';
import type { SecretStore } from '../../src/main/auth/secret-store.js';
import { createKeychainTokenStore, type LoadResult } from '../../src/main/auth/token-store.js';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { startApp, testClock, personSignsInAndOut } from '../support/app-harness.js';
import { keychainUnavailableReason, startKeychain, type TestKeychain } from '../support/keychain.js';
import { browserUnavailableReason, launchSystemBrowser, type SystemBrowser } from '../support/system-browser.js';

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

describe('no token leaks: canaries from a real session', () => {
  before(async () => {
    if (skip) return;
    keychain = await startKeychain();
    keytar = keychain.keytar;
    [idp, browser] = await Promise.all([startIdp(), launchSystemBrowser()]);
  });
  after(async () => {
    await Promise.all([idp?.close(), browser?.close()]);
    await keychain?.close();
  });

  test('sign-in, refresh, API call and sign-out leave no secret in logs, state events or files', { skip }, async () => {
    const startedAt = Date.now() - 1_000;
    const appData = await mkdtemp(join(tmpdir(), 'desktop-login-appdata-'));
    const canaries = new Canaries();
    const printed: string[] = [];
    const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const originals = consoleMethods.map((name) => console[name].bind(console));
    for (const name of consoleMethods) {
      console[name] = (...args: unknown[]): void => void printed.push(args.map(String).join(' '));
    }

    // Watches the wire: what the app sends to the provider and what the token endpoint returns.
    const observingFetch: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const sent = init?.body;
      if (typeof sent === 'string' || sent instanceof URLSearchParams) {
        const form = new URLSearchParams(sent);
        for (const name of ['code', 'code_verifier', 'refresh_token', 'token']) canaries.add(name, form.get(name));
      }
      const response = await fetch(input, init);
      if (url.pathname === '/oauth/token' && response.ok) {
        const body = (await response.clone().json()) as Record<string, unknown>;
        for (const name of ['access_token', 'refresh_token', 'id_token']) {
          canaries.add(name, typeof body[name] === 'string' ? body[name] : undefined);
        }
      }
      return response;
    };

    const clock = testClock();
    const app = startApp({
      idp,
      browser,
      keytar,
      act: personSignsInAndOut(idp),
      env: { KEYCHAIN_SERVICE: keychain.serviceName('canaries') },
      clock,
      deps: { network: { fetch: observingFetch }, refreshLock: createDirectoryLock(appData) },
    });
    const store = createKeychainTokenStore(keytar, app.config.keychainService);
    let apiResult: unknown;
    try {
      await app.service.restore();
      assert.equal((await app.service.login()).status, 'signed-in');
      canaries.addSession('signed-in', await store.load());
      const authorization = app.opener.urls[0];
      assert.ok(authorization);
      for (const name of ['state', 'nonce', 'code_challenge']) canaries.add(name, authorization.searchParams.get(name));

      clock.advance(3_600_000);
      await app.service.getAccessToken();
      canaries.addSession('refreshed', await store.load());
      apiResult = await app.service.callApi('private');

      assert.deepEqual(await app.service.logout(), { status: 'signed-out' });
      await app.opener.settled();
    } finally {
      for (const [index, name] of consoleMethods.entries()) console[name] = originals[index] as typeof console.log;
      await app.service.dispose();
    }

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
    ]) {
      assert.ok(names.includes(expected), `observed ${expected}`);
    }
    assert.deepEqual(
      await keytar.findCredentials(app.config.keychainService),
      [],
      'the keychain is empty after logout',
    );

    assert.ok(app.logs.lines.length > 3, 'the app did log');
    assert.deepEqual(canaries.foundIn(app.logs.text()), [], 'app log lines');
    assert.deepEqual(canaries.foundIn(printed.join('\n')), [], 'console output');
    assert.ok(app.states.length > 3);
    for (const state of app.states) assert.deepEqual(canaries.foundIn(JSON.stringify(state)), [], 'state events');
    assert.deepEqual(canaries.foundIn(JSON.stringify(apiResult)), [], 'the API result given to the renderer');

    let files = 0;
    for (const root of [appData, tmpdir()]) {
      for await (const path of recentFiles(root, startedAt)) {
        const content = await readFile(path).catch(() => undefined);
        if (!content) continue;
        files += 1;
        assert.deepEqual(canaries.foundIn(content.toString('latin1')), [], path);
      }
    }
    assert.ok(files > 0, 'some files were written meanwhile (the keychain, the browser)');
    await rm(appData, { recursive: true, force: true });
  });
});
