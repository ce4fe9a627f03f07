import type { AuthErrorCode, AuthErrorInfo } from '../../shared/auth-state.js';

/** The one error type of the auth core: a stable code, a message that says what to do, and the cause. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;

  constructor(code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** The renderer-safe view: no stack, no cause (causes can carry provider responses). */
  toInfo(): AuthErrorInfo {
    return { code: this.code, message: this.message };
  }
}

/** True when `error` is an AuthError with the given code (or any code when omitted). */
export function isAuthError(error: unknown, code?: AuthErrorCode): error is AuthError {
  return error instanceof AuthError && (code === undefined || error.code === code);
}
