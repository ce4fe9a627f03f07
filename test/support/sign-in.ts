import type { Page } from 'playwright-core';

/** Fills in the identity provider's sign-in page as a person would. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** Accepts the provider's consent screen (native clients always get one). */
export async function acceptConsent(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Accept' }).click();
}

/** Declines the consent screen, which sends `error=access_denied` back to the app. */
export async function declineConsent(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Decline' }).click();
}
