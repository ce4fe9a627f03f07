import { loadConfig } from '../src/main/auth/config/config.js';
import { startApp, testClock, type TestClock } from '../test/support/app-harness.js';
import type { TestCa } from '../test/support/test-ca.js';
import { startIdp, type RunningIdp } from '../tools/idp/start-idp.js';
import { startDelayingProxy, type DelayingProxy } from './delaying-proxy.js';
import { ourLogin, peerLogin, type LoginSample, type LoginStage } from './login-timings.js';
import { pairOrders } from './paired-stats.js';
import { loadPeerConfiguration } from './peer-appauth.js';

/** One network the logins run over: the one-way latency the proxy adds, and plain HTTP or TLS. */
export interface NetworkSetting {
  readonly name: string;
  readonly oneWayMs: number;
  readonly tls: boolean;
  /**
   * How long the person stays on the sign-in page. People take seconds there, longer than the
   * 4 s an idle connection survives in Node's fetch pool; a scripted person takes about one.
   */
  readonly thinkMs?: number;
}

/** The provider behind its delaying proxy, and our app pointed at it. */
export interface Network {
  readonly setting: NetworkSetting;
  readonly idp: RunningIdp;
  readonly proxy: DelayingProxy;
  readonly ours: ReturnType<typeof startApp>;
  readonly clock: TestClock;
  close(): Promise<void>;
}

/** What the network needs from the rest of the bench. */
export interface NetworkDeps {
  readonly stage: Omit<LoginStage, 'count'>;
  readonly keytar: Parameters<typeof startApp>[0]['keytar'];
  readonly keychainService: string;
  readonly ca: TestCa | undefined;
  readonly fetch?: typeof fetch;
}

/**
 * Starts the provider with keep-alive on (as a real tenant) behind a proxy that delays each
 * direction. Over TLS the app takes a real tenant's settings (AUTH0_DOMAIN), not demo mode.
 */
export async function startNetwork(setting: NetworkSetting, deps: NetworkDeps): Promise<Network> {
  const proxy = await startDelayingProxy(setting.oneWayMs);
  const tls = setting.tls && deps.ca ? { key: deps.ca.serverKeyPem, cert: deps.ca.serverCertPem } : undefined;
  const idp = await startIdp({ keepAlive: true, issuerPort: proxy.port, ...(tls ? { tls } : {}) });
  proxy.forwardTo(idp.port);
  const clock = testClock();
  const env = { KEYCHAIN_SERVICE: deps.keychainService, LOGIN_TIMEOUT_SECONDS: '60' };
  const ours = startApp({
    idp,
    browser: deps.stage.browser,
    keytar: deps.keytar,
    clock,
    ...(tls
      ? {
          config: loadConfig({
            AUTH0_DOMAIN: `127.0.0.1:${proxy.port}`,
            AUTH0_CLIENT_ID: idp.clientId,
            AUTH0_AUDIENCE: idp.audience,
            ...env,
          }),
        }
      : { env }),
    deps: {
      openBrowser: (url) => deps.stage.opener.open(url),
      ...(deps.fetch ? { network: { fetch: deps.fetch } } : {}),
    },
  });
  return {
    setting,
    idp,
    proxy,
    ours,
    clock,
    close: async () => {
      await ours.service.dispose();
      await idp.close();
      await proxy.close();
    },
  };
}

/** Ours and the peer in pairs; `first` is the pair that warmed both up, kept out of the timings. */
export interface PairedSamples {
  readonly ours: LoginSample[];
  readonly peer: LoginSample[];
  readonly first: { ours: LoginSample; peer: LoginSample };
}

/**
 * Ours and the peer in pairs, in the seeded order, after one pair that warms both up (the
 * first login's discovery and JWKS fetches, a cold JIT): its round trips are kept, its times are not.
 */
export async function measurePairs(
  network: Network,
  stage: Omit<LoginStage, 'count'>,
  options: { pairs: number; seed: number },
): Promise<PairedSamples> {
  const { idp, proxy, ours: app } = network;
  const counted: LoginStage = {
    ...stage,
    ...(network.setting.thinkMs ? { thinkMs: network.setting.thinkMs } : {}),
    count: () => ({ requests: idp.requestLog.length, connections: proxy.connections() }),
  };
  const peerConfig = await loadPeerConfiguration(idp.origin);
  const client = { clientId: idp.clientId, audience: idp.audience };
  const run = (who: 'ours' | 'peer'): Promise<LoginSample> =>
    who === 'ours' ? ourLogin(app.service, counted) : peerLogin(peerConfig, client, counted);
  const first = { ours: await run('ours'), peer: await run('peer') };
  const samples = { ours: [] as LoginSample[], peer: [] as LoginSample[], first };
  for (const order of pairOrders(options.pairs, options.seed)) {
    for (const who of order) samples[who].push(await run(who));
  }
  return samples;
}
