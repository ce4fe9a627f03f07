import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { test } from 'node:test';
import { loadConfig } from '../../src/main/auth/config/config.js';

// DESIGN checklist 15: a callback port inside an ephemeral range can be held by any program's
// outgoing connection at the moment a sign-in starts. These are the operating systems' own
// ranges, written out here rather than read from the code under test.
const EPHEMERAL_RANGES = [
  { os: 'Linux (net.ipv4.ip_local_port_range)', from: 32768, to: 60999 },
  { os: 'macOS (net.inet.ip.portrange.first/last)', from: 49152, to: 65535 },
  { os: 'Windows (netsh int ipv4 show dynamicport tcp)', from: 49152, to: 65535 },
] as const;

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const envExample = parseEnv(readFileSync(join(root, '.env.example'), 'utf8'));
/** The ports the app uses when AUTH0_CALLBACK_URL is not set. */
const defaultPorts = loadConfig({ AUTH0_DOMAIN: 'tenant.us.auth0.com', AUTH0_CLIENT_ID: 'client' }).callback.ports;
const [defaultPort = Number.NaN] = defaultPorts;

function assertOutsideEphemeralRanges(port: number, where: string): void {
  assert.ok(Number.isInteger(port) && port >= 1024 && port <= 65535, `${where}: ${port} is an unprivileged port`);
  for (const range of EPHEMERAL_RANGES) {
    assert.ok(
      port < range.from || port > range.to,
      `${where}: port ${port} lies in the ephemeral range of ${range.os}, ${range.from}–${range.to}`,
    );
  }
}

test('the default callback port lies outside every OS’s ephemeral port range', () => {
  assert.equal(defaultPorts.length, 1, 'one default port');
  assertOutsideEphemeralRanges(defaultPort, 'the default');
});

test('every port .env.example suggests lies outside every OS’s ephemeral port range', () => {
  const callbackUrl = envExample['AUTH0_CALLBACK_URL'] ?? '';
  const fallbacks = (envExample['AUTH0_CALLBACK_PORTS'] ?? '').split(',').filter(Boolean).map(Number);
  assert.ok(fallbacks.length > 0, '.env.example shows fallback ports');
  const config = loadConfig({
    AUTH0_DOMAIN: 'tenant.us.auth0.com',
    AUTH0_CLIENT_ID: 'client',
    AUTH0_CALLBACK_URL: callbackUrl,
    AUTH0_CALLBACK_PORTS: envExample['AUTH0_CALLBACK_PORTS'],
  });
  assert.deepEqual(config.callback.ports, [Number(new URL(callbackUrl).port), ...fallbacks]);
  for (const port of config.callback.ports) assertOutsideEphemeralRanges(port, '.env.example');
});

test('every loopback port the README tells people to register lies outside every OS’s ephemeral port range', () => {
  const ports = [...readme.matchAll(/http:\/\/127\.0\.0\.1:(\d+)\/(?:callback|signed-out)\b/g)].map((match) =>
    Number(match[1]),
  );
  assert.ok(ports.includes(defaultPort), 'the README names the default port');
  assert.ok(
    ports.some((port) => port !== defaultPort),
    'and a fallback port',
  );
  for (const port of ports) assertOutsideEphemeralRanges(port, 'README');
});
