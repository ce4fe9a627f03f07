import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuthService } from '../../src/main/auth/flows/auth-service.js';
import { createAuthHandlers, type ShellActions } from '../../src/main/ipc/ipc-handlers.js';
import type { AuthState } from '../../src/shared/auth-state.js';
import { AUTH_CHANNELS } from '../../src/shared/ipc-contract.js';

// "Copy the sign-in link" puts the authorization URL (the login's state and PKCE challenge) on
// the clipboard every program can read. Main clears it when the sign-in ends, but only while
// the clipboard still holds that link: whatever the person copied since is theirs.

const LINK = 'https://tenant.us.auth0.com/authorize?state=s&code_challenge=c';
const SIGNING_IN: AuthState = { status: 'signing-in', step: 'waiting-for-user', startedAt: 0, linkAvailable: true };

/** The part of the auth service the copy handler uses, driven by the test. */
function serviceStandIn() {
  let state: AuthState = SIGNING_IN;
  const listeners = new Set<(state: AuthState) => void>();
  const service: Pick<AuthService, 'getState' | 'subscribe' | 'signInLink'> = {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    signInLink: () => (state.status === 'signing-in' ? LINK : undefined),
  };
  return {
    // The handlers call only the members above.
    service: service as AuthService,
    listeners,
    become(next: AuthState): void {
      state = next;
      for (const listener of [...listeners]) listener(next);
    },
  };
}

/** A clipboard that records what happened to it; `writeDelay` lets a test end the sign-in mid-write. */
function clipboardStandIn(text = '') {
  const events: string[] = [];
  let writeDelay: Promise<void> = Promise.resolve();
  const shell: ShellActions = {
    async writeClipboard(value) {
      await writeDelay;
      text = value;
      events.push('write');
    },
    readClipboard: () => text,
    clearClipboard() {
      text = '';
      events.push('clear');
    },
  };
  return {
    shell,
    events,
    text: () => text,
    personCopies(value: string): void {
      text = value;
    },
    delayWrites(until: Promise<void>): void {
      writeDelay = until;
    },
  };
}

function copyHandler(service: AuthService, shell: ShellActions) {
  const handlers = createAuthHandlers({
    service,
    appInfo: { demo: false, issuerHost: 'tenant.us.auth0.com' },
    shell,
    checkSetup: () => Promise.reject(new Error('not used')),
  });
  return handlers[AUTH_CHANNELS.copySignInLink];
}

/** Lets the clipboard calls main started settle. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the copied sign-in link leaves the clipboard when the sign-in ends', () => {
  for (const [ending, state] of [
    ['signed in', { status: 'signed-in', profile: { sub: 'auth0|1' }, persistence: 'keychain' }],
    ['cancelled', { status: 'signed-out', reason: { code: 'login_cancelled', message: 'Sign-in was cancelled.' } }],
    ['failed', { status: 'error', error: { code: 'access_denied', message: 'The sign-in was declined.' } }],
  ] as const) {
    test(`${ending}: the link is cleared`, async () => {
      const app = serviceStandIn();
      const clipboard = clipboardStandIn('what was there before');
      assert.deepEqual(await copyHandler(app.service, clipboard.shell)(), { ok: true, value: null });
      assert.equal(clipboard.text(), LINK);
      app.become({ status: 'signing-in', step: 'exchanging-code', startedAt: 0, linkAvailable: true });
      await settle();
      assert.equal(clipboard.text(), LINK, 'still signing in: the link stays');
      app.become(state);
      await settle();
      assert.equal(clipboard.text(), '');
      assert.deepEqual(clipboard.events, ['write', 'clear']);
      assert.equal(app.listeners.size, 0, 'main stops watching once it is done');
    });
  }

  test('what the person copied over the link is left alone', async () => {
    const app = serviceStandIn();
    const clipboard = clipboardStandIn();
    await copyHandler(app.service, clipboard.shell)();
    clipboard.personCopies('a note of their own');
    app.become({ status: 'signed-out' });
    await settle();
    assert.equal(clipboard.text(), 'a note of their own');
    assert.deepEqual(clipboard.events, ['write']);
  });

  test('copied twice in one sign-in: cleared once, when it ends', async () => {
    const app = serviceStandIn();
    const clipboard = clipboardStandIn();
    const copy = copyHandler(app.service, clipboard.shell);
    await copy();
    await copy();
    assert.equal(app.listeners.size, 1);
    app.become({ status: 'signed-out' });
    await settle();
    assert.deepEqual(clipboard.events, ['write', 'write', 'clear']);
  });

  test('a sign-in that ends while the link is being written still has it cleared', async () => {
    const app = serviceStandIn();
    const clipboard = clipboardStandIn();
    let finishWrite = (): void => undefined;
    clipboard.delayWrites(new Promise((resolve) => (finishWrite = resolve)));
    const copied = copyHandler(app.service, clipboard.shell)();
    app.become({ status: 'signed-out' });
    finishWrite();
    await copied;
    await settle();
    assert.equal(clipboard.text(), '');
    assert.equal(app.listeners.size, 0);
  });

  test('with no sign-in under way nothing is written, and nothing is cleared later', async () => {
    const app = serviceStandIn();
    app.become({ status: 'signed-out' });
    const clipboard = clipboardStandIn('theirs');
    const result = await copyHandler(app.service, clipboard.shell)();
    assert.equal(result.ok, false);
    app.become(SIGNING_IN);
    app.become({ status: 'signed-out' });
    await settle();
    assert.equal(clipboard.text(), 'theirs');
    assert.deepEqual(clipboard.events, []);
  });
});
