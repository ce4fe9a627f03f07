import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthError } from '../auth-error.js';
import { DEMO_ISSUER_VARIABLE, loadConfig, type AuthEnv } from './config.js';

/** The file `npm run dist` writes next to the built main.js; the packaged app reads only this. */
export const BAKED_SETTINGS_FILE = 'app-settings.json';

/**
 * The settings a packaged app carries. None is a secret: a desktop app is a public client
 * (RFC 8252 §8.5), so anyone can read them from the installed files anyway.
 */
export const BAKED_SETTING_NAMES = [
  'AUTH0_DOMAIN',
  'AUTH0_CLIENT_ID',
  'AUTH0_AUDIENCE',
  'AUTH0_SCOPE',
  'AUTH0_CALLBACK_URL',
  'AUTH0_CALLBACK_PORTS',
  'API_BASE_URL',
  'LOGIN_TIMEOUT_SECONDS',
  'AUTH0_ID_TOKEN_ALG',
  'AUTH0_DPOP',
  'AUTH0_ORGANIZATION',
  'AUTH0_CONNECTION',
] as const;

/** One of the setting names a package may carry. */
export type BakedSettingName = (typeof BAKED_SETTING_NAMES)[number];

/** The flat name-to-value record stored in `app-settings.json`. */
export type BakedSettings = Readonly<Partial<Record<BakedSettingName, string>>>;

const ALLOWED = new Set<string>(BAKED_SETTING_NAMES);

/**
 * Picks the public settings to bake into a package from a build environment, after checking
 * them with the same `loadConfig` the app uses. Refuses a build with no Auth0 tenant (the
 * local demo provider is a development tool, never packaged) and, through `loadConfig`, a
 * client secret.
 */
export function bakeSettings(env: AuthEnv): BakedSettings {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const missing = ['AUTH0_DOMAIN', 'AUTH0_CLIENT_ID'].filter((name) => value(name) === undefined);
  if (missing.length > 0) {
    throw new AuthError(
      'config_invalid',
      `A package needs your Auth0 tenant, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set. ` +
        'Set AUTH0_DOMAIN and AUTH0_CLIENT_ID in the environment or in .env (see .env.example); ' +
        `the local demo identity provider${value(DEMO_ISSUER_VARIABLE) !== undefined ? ` (${DEMO_ISSUER_VARIABLE})` : ''} is never packaged.`,
    );
  }
  // The whole environment first, so a client secret or any other mistake stops the build ...
  loadConfig(env);
  const baked: Partial<Record<BakedSettingName, string>> = {};
  for (const name of BAKED_SETTING_NAMES) {
    const setting = value(name);
    if (setting !== undefined) baked[name] = setting;
  }
  // ... then exactly what the packaged app will see.
  loadConfig(baked);
  return baked;
}

/** Writes the baked settings into the built main directory; returns the file's path. */
export function writeBakedSettings(settings: BakedSettings, mainDir: string): string {
  const path = join(mainDir, BAKED_SETTINGS_FILE);
  writeFileSync(path, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o644 });
  return path;
}

/**
 * Reads the settings a package carries, for `loadConfig`. Accepts only a flat object of the
 * known names with string values, so a tampered or foreign file cannot smuggle in anything else.
 */
export function readBakedSettings(path: string): AuthEnv {
  const damaged = (reason: string, cause?: unknown): AuthError =>
    new AuthError(
      'config_invalid',
      `This copy of the app carries no usable sign-in settings (${reason}). Reinstall it, or rebuild it with \`npm run dist\`.`,
      cause === undefined ? undefined : { cause },
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw damaged(
      code === 'ENOENT' ? `${BAKED_SETTINGS_FILE} is missing` : `${BAKED_SETTINGS_FILE} is unreadable`,
      error,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw damaged(`${BAKED_SETTINGS_FILE} is not an object`);
  }
  const settings: Record<string, string> = {};
  for (const [name, setting] of Object.entries(parsed)) {
    if (!ALLOWED.has(name)) throw damaged(`${BAKED_SETTINGS_FILE} has an unexpected setting "${name}"`);
    if (typeof setting !== 'string') throw damaged(`${BAKED_SETTINGS_FILE} has a non-text value for ${name}`);
    settings[name] = setting;
  }
  if (!settings['AUTH0_DOMAIN'] || !settings['AUTH0_CLIENT_ID']) {
    throw damaged(`${BAKED_SETTINGS_FILE} names no Auth0 tenant`);
  }
  return settings;
}
