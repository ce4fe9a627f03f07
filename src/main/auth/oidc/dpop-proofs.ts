import * as client from 'openid-client';
import type { AuthConfig, DpopMode } from '../config/config.js';
import { dpopKeyLost, importDpopKey, type DpopPrivateJwk } from '../session/dpop-key.js';
import type { StoredSession } from '../session/stored-session.js';

/** The one DPoP algorithm the app signs proofs with: ES256 is the one every DPoP server must accept (Auth0 lists only it). */
export const DPOP_ALG = 'ES256';

/** Discovery's dpop_signing_alg_values_supported as strings; undefined when the provider does not advertise DPoP. */
export function advertisedDpopAlgs(metadata: client.ServerMetadata): readonly string[] | undefined {
  const listed: unknown = metadata.dpop_signing_alg_values_supported;
  if (!Array.isArray(listed)) return undefined;
  return listed.filter((alg): alg is string => typeof alg === 'string');
}

/** Whether a sign-in asks for DPoP-bound tokens (AUTH0_DPOP): auto follows what discovery advertises. */
export function usesDpop(mode: DpopMode, metadata: client.ServerMetadata): boolean {
  if (mode !== 'auto') return mode === 'always';
  return advertisedDpopAlgs(metadata)?.includes(DPOP_ALG) === true;
}

/**
 * DPoP handles, one per key: openid-client's handle remembers each server's nonce (RFC 9449 §8,
 * §9), so a session's token requests and API calls share one, and a nonce is asked for once, not
 * per request.
 */
export interface DpopProofs {
  /** The handle for `key`; rejects with the "sign in again" error when the key does not import. */
  handleFor(key: DpopPrivateJwk): Promise<client.DPoPHandle>;
}

/** Keys a person could use in one run: the session's, and a sign-in's under way. */
const MAX_HANDLES = 4;

/** Creates the handle cache of one auth service. */
export function createDpopProofs(config: AuthConfig): DpopProofs {
  // A handle takes from its configuration only the client's clock skew, which the app leaves at 0;
  // one made here serves every discovery configuration the session meets.
  const configuration = new client.Configuration({ issuer: config.issuer.href }, config.clientId);
  const handles = new Map<string, Promise<client.DPoPHandle>>();
  return {
    handleFor(key) {
      // Public coordinates name the key; the private part is never a map key or a log line.
      const name = `${key.x}.${key.y}`;
      let handle = handles.get(name);
      if (handle === undefined) {
        handle = importDpopKey(key).then(
          (keyPair) => client.getDPoPHandle(configuration, keyPair),
          (error: unknown) => {
            handles.delete(name);
            throw dpopKeyLost(error);
          },
        );
        handles.set(name, handle);
        if (handles.size > MAX_HANDLES) handles.delete(handles.keys().next().value ?? name);
      }
      return handle;
    },
  };
}

/**
 * The proof a token request of `session` carries (refresh): its key's handle, none for a session
 * without a key. DPoP-bound tokens without a key end the session; they are never sent as Bearer.
 */
export function tokenRequestProof(proofs: DpopProofs, session: StoredSession): Promise<client.DPoPHandle | undefined> {
  if (session.dpopKey !== undefined) return proofs.handleFor(session.dpopKey);
  return session.tokens.tokenType === 'DPoP' ? Promise.reject(dpopKeyLost()) : Promise.resolve(undefined);
}

/**
 * The proof an API call with `session`'s access token carries: the token_type the token endpoint
 * answered decides (RFC 9449 §7.1), so Bearer tokens go out as Bearer even from a session with a key.
 */
export function resourceProof(proofs: DpopProofs, session: StoredSession): Promise<client.DPoPHandle | undefined> {
  if (session.tokens.tokenType !== 'DPoP') return Promise.resolve(undefined);
  return session.dpopKey === undefined ? Promise.reject(dpopKeyLost()) : proofs.handleFor(session.dpopKey);
}
