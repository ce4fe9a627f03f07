// A token endpoint answering with whatever a test chooses, through openid-client's own request
// and response processing: the errors tests see are the ones the app gets.
import assert from 'node:assert/strict';
import * as client from 'openid-client';

export const ISSUER = 'https://tenant.example.com/';
export const CALLBACK = 'http://127.0.0.1:28460/callback';
/** Shaped like the real thing: 43 random base64url characters, as openid-client and the provider make them. */
export const REFRESH_TOKEN = client.randomPKCECodeVerifier();
export const CODE = client.randomState();
export const VERIFIER = client.randomPKCECodeVerifier();

/** A public Native client of a tenant whose token endpoint gives `answer` to every request. */
export function configAnswering(
  answer: (form: URLSearchParams) => Response,
  server: Partial<client.ServerMetadata> = {},
): client.Configuration {
  const config = new client.Configuration(
    { issuer: ISSUER, token_endpoint: `${ISSUER}oauth/token`, ...server },
    'desktop-login',
    undefined,
    client.None(),
  );
  config[client.customFetch] = (_url, options) => {
    const { body } = options;
    const form = body instanceof URLSearchParams ? body : new URLSearchParams(typeof body === 'string' ? body : '');
    return Promise.resolve(answer(form));
  };
  return config;
}

/** A JSON answer with `status`. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** What openid-client really throws when the token endpoint answers a refresh with `answer`. */
export async function refreshFailure(answer: (form: URLSearchParams) => Response): Promise<unknown> {
  try {
    const config = configAnswering((form) => {
      assert.equal(form.get('refresh_token'), REFRESH_TOKEN, 'the endpoint sees what it may echo');
      return answer(form);
    });
    await client.refreshTokenGrant(config, REFRESH_TOKEN);
  } catch (error) {
    return error;
  }
  return assert.fail('the refresh succeeded');
}

/** What openid-client really throws for a code exchange whose callback carries `query`. */
export async function codeExchangeFailure(
  query: Record<string, string>,
  answer: (form: URLSearchParams) => Response = () => json(500, {}),
  server: Partial<client.ServerMetadata> = {},
): Promise<unknown> {
  const url = new URL(CALLBACK);
  url.search = new URLSearchParams({ state: 'the-state', ...query }).toString();
  try {
    const config = configAnswering((form) => {
      assert.deepEqual(
        [form.get('code'), form.get('code_verifier')],
        [CODE, VERIFIER],
        'the endpoint sees what it may echo',
      );
      return answer(form);
    }, server);
    await client.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: VERIFIER,
      expectedState: 'the-state',
      idTokenExpected: true,
    });
  } catch (error) {
    return error;
  }
  return assert.fail('the code exchange succeeded');
}

/** Asserts no secret, and no piece of one as long as 16 characters, is in `text`. */
export function assertNoSecret(text: string, secrets: Readonly<Record<string, string>>, where: string): void {
  for (const [name, secret] of Object.entries(secrets)) {
    for (let start = 0; start + 16 <= secret.length; start += 8) {
      assert.ok(!text.includes(secret.slice(start, start + 16)), `${where} carries the ${name}: ${text}`);
    }
  }
}
