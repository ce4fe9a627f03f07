/** A person the local identity provider can sign in, with the profile claims Auth0 would return. */
export interface TestUser {
  readonly sub: string;
  readonly email: string;
  readonly password: string;
  readonly name: string;
  readonly nickname: string;
  readonly picture: string;
  readonly email_verified: boolean;
  /** ISO 8601 string, as Auth0 puts it in ID tokens (not the epoch seconds OIDC Core suggests). */
  readonly updated_at: string;
}

/** The password of every test user; the sign-in page shows it, because this provider is a local fake. */
export const DEMO_PASSWORD = 'demo';

/** The people the local identity provider knows. */
export const TEST_USERS: readonly TestUser[] = Object.freeze([
  Object.freeze({
    sub: 'auth0|6650a1f2c0ffee0000a11ce0',
    email: 'alice@example.com',
    password: DEMO_PASSWORD,
    name: 'Alice Example',
    nickname: 'alice',
    picture:
      'https://s.gravatar.com/avatar/c160f8cc69a4f0bf2b0362752353d060?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fal.png',
    email_verified: true,
    updated_at: '2024-05-24T09:30:00.000Z',
  }),
  Object.freeze({
    sub: 'auth0|6650a1f2c0ffee0000b0b000',
    email: 'bob@example.com',
    password: DEMO_PASSWORD,
    name: 'bob@example.com',
    nickname: 'bob',
    picture:
      'https://s.gravatar.com/avatar/4b9bb80620f03eb3719e0a061c14283d?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fbo.png',
    email_verified: false,
    updated_at: '2024-06-02T14:05:00.000Z',
  }),
]);
