// AppAuth-JS ships ESM with extension-less relative imports: Node's own loader and TypeScript's
// NodeNext resolution cannot follow them (tsx can load them). So the few members the bench
// uses are typed here, and the modules are loaded at run time through that narrow shape.

interface Configuration {
  readonly authorizationEndpoint: string;
}
interface AuthorizationRequestLike {
  readonly internal?: Record<string, string>;
}
interface AppAuth {
  AuthorizationServiceConfiguration: { fetchFromIssuer(issuer: string, requestor: unknown): Promise<Configuration> };
  AuthorizationNotifier: new () => {
    setAuthorizationListener(
      listener: (
        request: AuthorizationRequestLike,
        response: { code: string } | null,
        error: { error: string } | null,
      ) => void,
    ): void;
  };
  AuthorizationRequest: (new (
    json: Record<string, unknown>,
    crypto: unknown,
    usePkce: boolean,
  ) => AuthorizationRequestLike) & {
    RESPONSE_TYPE_CODE: string;
  };
  BaseTokenRequestHandler: new (requestor: unknown) => {
    performTokenRequest(configuration: Configuration, request: unknown): Promise<{ accessToken: string }>;
  };
  TokenRequest: new (json: Record<string, unknown>) => unknown;
  GRANT_TYPE_AUTHORIZATION_CODE: string;
}
interface AppAuthNode {
  NodeBasedHandler: new (port: number) => {
    setAuthorizationNotifier(notifier: unknown): void;
    performAuthorizationRequest(configuration: Configuration, request: AuthorizationRequestLike): void;
    completeAuthorizationRequestIfPossible(): Promise<void>;
  };
  NodeCrypto: new () => unknown;
  NodeRequestor: new () => unknown;
}

const appauth = (await import('@openid/appauth')) as unknown as AppAuth;
const node = (await import('@openid/appauth/built/src/node_support/index.js')) as unknown as AppAuthNode;

/** The peer's discovery, loaded once like our cached discovery. */
export function loadPeerConfiguration(issuerOrigin: string): Promise<Configuration> {
  // AppAuth appends "/.well-known/..." itself, so it gets the issuer without its trailing slash.
  return appauth.AuthorizationServiceConfiguration.fetchFromIssuer(issuerOrigin, new node.NodeRequestor());
}

/**
 * One login the way AppAuth-JS's Node sample does it: NodeBasedHandler's loopback server,
 * PKCE, then the token request. Resolves with the time the tokens arrived.
 */
export async function runPeerLogin(
  configuration: Configuration,
  options: { clientId: string; audience: string; port: number },
): Promise<number> {
  const redirectUri = `http://127.0.0.1:${options.port}/callback`;
  const handler = new node.NodeBasedHandler(options.port);
  const notifier = new appauth.AuthorizationNotifier();
  handler.setAuthorizationNotifier(notifier);
  const authorized = new Promise<{ code: string; verifier: string }>((resolve, reject) => {
    notifier.setAuthorizationListener((request, response, error) => {
      if (error || !response) reject(new Error(error?.error ?? 'no authorization response'));
      else resolve({ code: response.code, verifier: request.internal?.['code_verifier'] ?? '' });
    });
  });
  const request = new appauth.AuthorizationRequest(
    {
      client_id: options.clientId,
      redirect_uri: redirectUri,
      scope: 'openid profile email offline_access',
      response_type: appauth.AuthorizationRequest.RESPONSE_TYPE_CODE,
      extras: { audience: options.audience },
    },
    new node.NodeCrypto(),
    true,
  );
  handler.performAuthorizationRequest(configuration, request);
  await handler.completeAuthorizationRequestIfPossible();
  const { code, verifier } = await authorized;
  const tokens = await new appauth.BaseTokenRequestHandler(new node.NodeRequestor()).performTokenRequest(
    configuration,
    new appauth.TokenRequest({
      client_id: options.clientId,
      redirect_uri: redirectUri,
      grant_type: appauth.GRANT_TYPE_AUTHORIZATION_CODE,
      code,
      extras: { code_verifier: verifier },
    }),
  );
  if (!tokens.accessToken) throw new Error('the peer got no access token');
  return performance.now();
}
