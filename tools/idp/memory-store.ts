import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { IdpOrganization } from './organizations.js';
import { UserDirectory } from './user-directory.js';

interface Entry {
  readonly payload: AdapterPayload;
  readonly expiresAt: number;
}

/** Models whose records belong to a grant and die with it. */
const GRANT_BOUND = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/** Everything `revokeAllGrants` wipes: the grants and every token that hangs off them. */
const REVOCABLE = new Set([...GRANT_BOUND, 'Grant']);

const SWEEP_EVERY = 200;

/**
 * Per-provider storage for oidc-provider's models, and for the tenant's own records (signed-up
 * users, each grant's organization). oidc-provider's own memory adapter keeps one store for the
 * whole process and offers no way to list or wipe grants, which the tests need.
 */
export class MemoryStore {
  readonly #entries = new Map<string, Entry>();
  readonly #grantMembers = new Map<string, Set<string>>();
  readonly #sessionKeyByUid = new Map<string, string>();
  readonly #keyByUserCode = new Map<string, string>();
  #writesSinceSweep = 0;

  /** Who can sign in, including the users created on the sign-up page. */
  readonly users = new UserDirectory();
  /** The organization each grant was made through: Auth0 keeps org_id on the tokens a refresh issues. */
  readonly grantOrganizations = new Map<string, IdpOrganization>();

  /** The factory oidc-provider's `adapter` setting expects: one adapter per model name. */
  readonly adapterFactory = (model: string): Adapter => new MemoryAdapter(model, this);

  /** Removes every grant and every grant-bound token, as an admin revoking all sessions would. */
  revokeAll(): void {
    for (const key of [...this.#entries.keys()]) {
      if (REVOCABLE.has(modelOf(key))) this.delete(key);
    }
    this.#grantMembers.clear();
    this.grantOrganizations.clear();
  }

  /** Refresh tokens the provider would still honour: issued, and not yet rotated, revoked or expired. */
  liveRefreshTokens(): number {
    let live = 0;
    for (const key of [...this.#entries.keys()]) {
      if (modelOf(key) === 'RefreshToken' && this.get(key)?.consumed === undefined) live += 1;
    }
    return live;
  }

  get(key: string): AdapterPayload | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    // A copy, so a model mutating what it loaded cannot change the stored record behind our back.
    return structuredClone(entry.payload);
  }

  set(key: string, payload: AdapterPayload, expiresInSeconds: number): void {
    this.delete(key);
    const expiresAt = Number.isFinite(expiresInSeconds) ? Date.now() + expiresInSeconds * 1000 : Infinity;
    this.#entries.set(key, { payload: structuredClone(payload), expiresAt });

    const model = modelOf(key);
    if (model === 'Session' && typeof payload.uid === 'string') this.#sessionKeyByUid.set(payload.uid, key);
    if (typeof payload.userCode === 'string') this.#keyByUserCode.set(payload.userCode, key);
    if (GRANT_BOUND.has(model) && typeof payload.grantId === 'string') {
      let members = this.#grantMembers.get(payload.grantId);
      if (!members) {
        members = new Set();
        this.#grantMembers.set(payload.grantId, members);
      }
      members.add(key);
    }

    this.#writesSinceSweep += 1;
    if (this.#writesSinceSweep >= SWEEP_EVERY) this.#sweep();
  }

  markConsumed(key: string): void {
    const entry = this.#entries.get(key);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    const { uid, userCode, grantId } = entry.payload;
    if (typeof uid === 'string' && this.#sessionKeyByUid.get(uid) === key) this.#sessionKeyByUid.delete(uid);
    if (typeof userCode === 'string' && this.#keyByUserCode.get(userCode) === key) this.#keyByUserCode.delete(userCode);
    if (typeof grantId === 'string') this.#grantMembers.get(grantId)?.delete(key);
  }

  keyForSessionUid(uid: string): string | undefined {
    return this.#sessionKeyByUid.get(uid);
  }

  keyForUserCode(userCode: string): string | undefined {
    return this.#keyByUserCode.get(userCode);
  }

  /** oidc-provider revokes a grant one model at a time, so only that model's records go. */
  deleteGrantMembers(grantId: string, model: string): void {
    const members = this.#grantMembers.get(grantId);
    if (!members) return;
    for (const key of [...members]) {
      if (modelOf(key) === model) this.delete(key);
    }
    if (members.size === 0) this.#grantMembers.delete(grantId);
  }

  #sweep(): void {
    this.#writesSinceSweep = 0;
    const now = Date.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.delete(key);
    }
  }
}

function modelOf(key: string): string {
  return key.slice(0, key.indexOf(':'));
}

class MemoryAdapter implements Adapter {
  readonly #model: string;
  readonly #store: MemoryStore;

  constructor(model: string, store: MemoryStore) {
    this.#model = model;
    this.#store = store;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  // The store is synchronous; the adapter contract is promise-based.

  upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    this.#store.set(this.#key(id), payload, expiresIn);
    return Promise.resolve();
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.#store.get(this.#key(id)));
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const key = this.#store.keyForSessionUid(uid);
    return Promise.resolve(key === undefined ? undefined : this.#store.get(key));
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const key = this.#store.keyForUserCode(userCode);
    return Promise.resolve(key === undefined ? undefined : this.#store.get(key));
  }

  consume(id: string): Promise<void> {
    this.#store.markConsumed(this.#key(id));
    return Promise.resolve();
  }

  destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
    return Promise.resolve();
  }

  revokeByGrantId(grantId: string): Promise<void> {
    this.#store.deleteGrantMembers(grantId, this.#model);
    return Promise.resolve();
  }
}
