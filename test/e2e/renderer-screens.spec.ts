import type { Page } from '@playwright/test';
import { runDoctor } from '../../src/main/auth/doctor/run-doctor.js';
import { createMemorySecretStore } from '../support/memory-secret-store.js';
import { expect, test } from '../support/renderer-fixtures.js';
import { openAppWindow } from '../support/renderer-harness.js';
import { personAtTheBrowser } from '../support/renderer-person.js';
import { RECORD_BUTTONS_AFTER_CLICKS, missingSettingsError } from '../support/window-probes.js';

/** The buttons the window shows, by name, in order. */
const buttonNames = (page: Page): Promise<string[]> => page.locator('main button').allTextContents();

/** Main's answers to Logout among what crossed to the page (pushed states carry no `ok`). */
function logoutAnswers(payloads: readonly unknown[]): number {
  return payloads.filter((payload) => {
    const answer = payload as { ok?: unknown; value?: { status?: unknown } };
    return answer.ok === true && answer.value?.status === 'signed-out';
  }).length;
}

test.describe('the window answers every press, and says what happened', () => {
  test('Call API shows it is busy until the answer comes, and a double click sends one request', async ({
    launchApp,
    idp,
  }) => {
    const { page } = await launchApp('renderer-call-api');
    await page.getByRole('button', { name: 'Login' }).click();
    await expect(page.getByRole('heading', { name: idp.users[0].name })).toBeVisible();
    const before = idp.countRequests('/api/private');
    idp.faults.set('/api/private', { delayMs: 1_500, times: 1 });

    await page.getByRole('button', { name: 'Call API' }).dblclick();
    const busy = page.getByRole('button', { name: 'Calling the API…' });
    await expect(busy).toBeVisible();
    await expect(busy).toHaveAttribute('aria-busy', 'true');
    await expect(busy).toHaveAttribute('aria-disabled', 'true');
    // Keyboard focus stays on the button while it is busy.
    await expect(busy).toBeFocused();
    // Enter on the busy button: still nothing new is sent.
    await page.keyboard.press('Enter');

    await expect(page.getByLabel('API response', { exact: true }).last()).toContainText('Hello from the demo API');
    const ready = page.getByRole('button', { name: 'Call API' });
    await expect(ready).not.toHaveAttribute('aria-busy', 'true');
    await expect(ready).not.toHaveAttribute('aria-disabled', 'true');
    expect(idp.countRequests('/api/private') - before, 'requests that reached the demo API').toBe(1);
  });

  test('Logout says beforehand that the browser opens at the provider, turns busy at once, and is confirmed', async ({
    launchApp,
    idp,
  }) => {
    const app = await launchApp('renderer-logout');
    const { page } = app;
    await expect(page.getByRole('heading', { name: 'Sign in to Desktop Login' })).toBeVisible();
    // A fresh start is not a logout: nothing to confirm.
    await expect(page.locator('main').getByText("You're signed out.")).toHaveCount(0);

    await page.getByRole('button', { name: 'Login' }).click();
    await expect(page.getByRole('heading', { name: idp.users[0].name })).toBeVisible();
    const host = new URL(idp.issuer).host;
    const line = `Logout opens your browser to end your session at ${host} too.`;
    await expect(page.locator('main').getByText(line)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Logout' })).toHaveAccessibleDescription(line);

    idp.faults.set('/oauth/revoke', { delayMs: 1_000, times: 1 });
    await page.evaluate(RECORD_BUTTONS_AFTER_CLICKS);
    await page.getByRole('button', { name: 'Logout' }).dblclick();
    const confirmation = page.locator('main').getByRole('status').filter({ hasText: "You're signed out." });
    await expect(confirmation).toBeVisible();
    await expect(page.getByRole('button', { name: 'Login' })).toBeFocused();

    const recorded = await page.evaluate<{ name: string; busy: string; disabled: string }[][]>(
      'globalThis.buttonsAfterClicks',
    );
    expect(recorded[0], 'right after the press, Logout is busy and disabled').toContainEqual({
      name: 'Signing out…',
      busy: 'true',
      disabled: 'true',
    });
    expect(logoutAnswers(app.window.payloads), 'Logout requests the window sent').toBe(1);
  });

  test('a declined sign-in: a heading says so, the text fits the one button, no setup checklist', async ({
    launchApp,
    idp,
    person,
  }) => {
    const browser = await personAtTheBrowser(person, idp);
    browser.plan = 'declines';
    const { page } = await launchApp('renderer-declined', { profile: browser.profile, act: browser.act });
    await page.getByRole('button', { name: 'Login' }).click();

    const alert = page.getByRole('alert');
    await expect(alert.getByRole('heading', { name: 'Sign-in declined' })).toBeVisible();
    await expect(alert).toContainText('Sign-in was declined');
    await expect(alert).not.toContainText('Login');
    expect(await buttonNames(page)).toEqual(['Try again']);
    await expect(page.getByRole('button', { name: 'Try again' })).toBeFocused();
  });

  test('a settings error shows what to fix and offers Check my setup, not Try again', async ({ context, renderer }) => {
    const window = await openAppWindow({
      context,
      entryUrl: renderer.url,
      service: undefined,
      configError: missingSettingsError(),
      appInfo: { demo: false, issuerHost: '' },
      // With no settings the keychain check uses a service of its own; the test keychain lets
      // each test use only its own services, so this check runs on a keychain in memory.
      checkSetup: () => runDoctor({}, { secretStore: () => createMemorySecretStore() }),
    });
    try {
      const { page } = window;
      const alert = page.getByRole('alert');
      await expect(alert.getByRole('heading', { name: 'Sign-in is not set up correctly' })).toBeVisible();
      await expect(alert).toContainText('Fix the settings listed here, then restart the app.');
      await expect(alert).toContainText('AUTH0_DOMAIN is not set');
      expect(await buttonNames(page)).toEqual(['Check my setup']);
      const check = page.getByRole('button', { name: 'Check my setup' });
      await expect(check).toBeFocused();
      await check.click();
      await expect(page.getByRole('heading', { name: 'Setup needs fixing' })).toBeVisible();
      await expect(page.getByRole('list', { name: 'Setup checks' })).toContainText('Configuration');
    } finally {
      await window.close();
    }
  });

  test('Escape cancels a sign-in in progress, as Cancel does, and does nothing in other states', async ({
    launchApp,
    idp,
    person,
  }) => {
    const browser = await personAtTheBrowser(person, idp);
    browser.plan = 'waits';
    const app = await launchApp('renderer-escape', { profile: browser.profile, act: browser.act });
    const { page } = app;
    await page.getByRole('button', { name: 'Login' }).click();
    await expect(page.getByRole('heading', { name: 'Continue in your browser' })).toBeVisible();
    // Escape works wherever focus is, not only on the Cancel button.
    await page.locator('h1').click();
    await page.keyboard.press('Escape');
    await expect(page.locator('main').getByText('Sign-in was cancelled')).toBeVisible();

    const crossed = app.window.payloads.length;
    await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
    expect(app.window.payloads.length, 'Escape while signed out sent nothing').toBe(crossed);
    await expect(page.getByRole('button', { name: 'Login' })).toBeVisible();
    expect(app.opener.urls, 'one sign-in page was opened').toHaveLength(1);
  });

  test('the elapsed time reads "waiting m:ss", has a spoken label, and ticks without announcements', async ({
    launchApp,
    idp,
    person,
    context,
  }) => {
    // The page's clock, so a minute passes at once; it runs on like a real one.
    await context.clock.install();
    const browser = await personAtTheBrowser(person, idp);
    browser.plan = 'waits';
    const { page } = await launchApp('renderer-elapsed', { profile: browser.profile, act: browser.act });
    await page.getByRole('button', { name: 'Login' }).click();
    // Escape cancels too (main.ts); assistive technology learns it from the Cancel button.
    await expect(page.getByRole('button', { name: 'Cancel' })).toHaveAttribute('aria-keyshortcuts', 'Escape');
    const timer = page.getByRole('timer');
    await expect(timer).toHaveText(/^waiting 0:0\d$/);
    await expect(timer).toHaveAttribute('aria-live', 'off');
    // A string, because this project's Node types have no DOM; the page runs it as is.
    const insideLiveRegion = await page.evaluate<boolean>(
      `document.querySelector('[role="timer"]').parentElement.closest('[aria-live="polite"], [aria-live="assertive"], [role="status"], [role="alert"], [role="log"]') !== null`,
    );
    expect(insideLiveRegion, 'the counter sits in no live region').toBe(false);

    // Watch the live region while the counter ticks.
    await page.evaluate(`
      globalThis.announced = [];
      new MutationObserver(() => globalThis.announced.push(document.getElementById('announce').textContent))
        .observe(document.getElementById('announce'), { childList: true, characterData: true, subtree: true });`);
    const readTimer = (): Promise<{ text: string; label: string }> =>
      // Text and label in one read, so a tick cannot fall between them.
      page.evaluate(`(() => {
        const counter = document.querySelector('[role="timer"]');
        return { text: counter.textContent, label: counter.getAttribute('aria-label') };
      })()`);

    await page.clock.fastForward(41_000);
    await expect(timer).toHaveText(/^waiting 0:4\d$/);
    const atForty = await readTimer();
    const seconds = Number(/0:(\d\d)$/.exec(atForty.text)?.[1]);
    expect(atForty.label).toBe(`Waiting for ${seconds} seconds`);

    await page.clock.fastForward(20_000);
    await expect(timer).toHaveText(/^waiting 1:0\d$/);
    const pastAMinute = await readTimer();
    const rest = Number(/1:(\d\d)$/.exec(pastAMinute.text)?.[1]);
    expect(pastAMinute.label).toBe(
      rest === 0 ? 'Waiting for 1 minute' : `Waiting for 1 minute ${rest} second${rest === 1 ? '' : 's'}`,
    );
    expect(await page.evaluate('globalThis.announced'), 'nothing was announced while it ticked').toEqual([]);
  });
});
