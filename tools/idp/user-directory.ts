import { createHash, randomBytes } from 'node:crypto';
import { TEST_USERS } from './test-users.js';
import type { TestUser } from './test-users.js';

/** What the sign-up page collects. */
export interface SignUpInput {
  readonly email: string;
  readonly password: string;
  /** Empty or absent: the email, as Auth0 sets `name` for a database user without one. */
  readonly name?: string;
}

/** Auth0's description of a sign-up for an email its database connection already holds. */
export const USER_EXISTS = 'The user already exists.';

/**
 * The people the provider can sign in: the built-in test users and those who signed up on the
 * sign-up page. Sign-ups live in memory as long as this directory does (see MemoryStore.users).
 */
export class UserDirectory {
  readonly #signedUp = new Map<string, TestUser>();

  /** Finds a user by email, ignoring case as Auth0's database connections do. */
  findByEmail(email: string): TestUser | undefined {
    const wanted = email.trim().toLowerCase();
    return TEST_USERS.find((user) => user.email === wanted) ?? this.#signedUp.get(wanted);
  }

  findBySub(sub: string): TestUser | undefined {
    return TEST_USERS.find((user) => user.sub === sub) ?? [...this.#signedUp.values()].find((user) => user.sub === sub);
  }

  /** The users created by sign-up, oldest first. */
  signedUp(): TestUser[] {
    return [...this.#signedUp.values()];
  }

  /** Creates a database user with Auth0's default profile claims; undefined when the email is taken. */
  signUp(input: SignUpInput): TestUser | undefined {
    const email = input.email.trim().toLowerCase();
    if (this.findByEmail(email)) return undefined;
    const local = email.slice(0, email.indexOf('@'));
    const user: TestUser = Object.freeze({
      sub: `auth0|${randomBytes(12).toString('hex')}`,
      email,
      password: input.password,
      name: input.name?.trim() || email,
      nickname: local,
      picture: gravatarUrl(email, local),
      // Auth0 verifies a database user's email only after they follow the emailed link.
      email_verified: false,
      updated_at: new Date().toISOString(),
    });
    this.#signedUp.set(email, user);
    return user;
  }
}

/** Auth0's default picture: the Gravatar of the email, falling back to the initials avatar. */
function gravatarUrl(email: string, local: string): string {
  const hash = createHash('md5').update(email).digest('hex');
  const initials = encodeURIComponent(`https://cdn.auth0.com/avatars/${local.slice(0, 2)}.png`);
  return `https://s.gravatar.com/avatar/${hash}?s=480&r=pg&d=${initials}`;
}
