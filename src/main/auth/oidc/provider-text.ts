/**
 * What of a provider's words the app may repeat (DESIGN checklist 13): a renderer message holds
 * the app's own words plus an OAuth `error` code that passes the allow rule below; free text
 * (`error_description`, API messages, HTML) stays in the main process, and even there only
 * trimmed and with anything token-shaped removed (DESIGN checklist 9).
 */

/** RFC 6749 §5.2 (and §4.1.2.1): error = 1*( %x20-21 / %x23-5B / %x5D-7E ). */
const RFC6749_ERROR_CHARACTERS = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Every registered OAuth and OpenID error code is a few lowercase words joined by `_`
 * (`invalid_grant`, `login_required`, `use_dpop_nonce`); `.` and `-` are allowed as joiners too.
 * Digits and capitals are not: a refresh token, authorization code or PKCE verifier that an
 * echoing endpoint puts into `error` is random base64url (43 characters here, mixed case and
 * digits), and a looser /^[a-z0-9_.-]{1,64}$/i would let almost every one of them through.
 */
const ERROR_CODE_SHAPE = /^[a-z]+(?:[_.-][a-z]+)*$/;
const MAX_ERROR_CODE_LENGTH = 64;

/** What a message says instead of an error code that fails the allow rule. */
export const UNRECOGNISED_ERROR = 'unrecognised error';

/** The provider's `error` code when it passes the allow rule (RFC 6749 §5.2, DESIGN checklist 13); otherwise undefined. */
export function allowedErrorCode(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_ERROR_CODE_LENGTH) return undefined;
  return RFC6749_ERROR_CHARACTERS.test(value) && ERROR_CODE_SHAPE.test(value) ? value : undefined;
}

/** The provider's `error` code as a message may show it: the code itself, or a generic word. */
export function shownErrorCode(value: unknown): string {
  return allowedErrorCode(value) ?? UNRECOGNISED_ERROR;
}

/**
 * Runs of 16 or more characters without a space or JSON/HTML delimiter: every token, code,
 * verifier, JWT segment and URL is one. Ordinary words are shorter.
 */
const TOKEN_SHAPED = /[^\s"'`<>()[\]{},;]{16,}/g;
const LINE_BREAKING = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu;
const DEFAULT_LOG_TEXT_LENGTH = 160;

/**
 * A provider's free text made fit for the main process's log (never for IPC): one line,
 * token-shaped runs replaced, at most `max` characters. DESIGN checklist 9.
 */
export function logSafeText(value: unknown, max = DEFAULT_LOG_TEXT_LENGTH): string {
  if (typeof value !== 'string') return '';
  const text = value.replace(LINE_BREAKING, ' ').replace(TOKEN_SHAPED, '[removed]').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
