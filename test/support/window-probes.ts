import { AuthError } from '../../src/main/auth/auth-error.js';
import { loadConfig } from '../../src/main/auth/config/config.js';

/**
 * Every button's name and busy marks, recorded in the page after each click has been handled;
 * the spec reads them back from `globalThis.buttonsAfterClicks`.
 */
export const RECORD_BUTTONS_AFTER_CLICKS = `
  globalThis.buttonsAfterClicks = [];
  document.addEventListener('click', () => {
    globalThis.buttonsAfterClicks.push([...document.querySelectorAll('main button')].map((node) => ({
      name: node.textContent,
      busy: node.getAttribute('aria-busy'),
      disabled: node.getAttribute('aria-disabled'),
    })));
  });`;

/** The settings error an app started without any settings shows. */
export function missingSettingsError(): AuthError {
  try {
    loadConfig({});
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('empty settings were accepted');
}
