import { posix, win32 } from 'node:path';

/** The environment variable that names the browser executable the tests drive. */
export const BROWSER_VARIABLE = 'CHROMIUM_PATH';

/** What the browser search looks at; passed in so every platform's rules can be tested anywhere. */
export interface BrowserLookup {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly exists: (path: string) => boolean;
}

const LINUX = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/usr/bin/microsoft-edge',
];

const MAC = ['Google Chrome', 'Chromium', 'Microsoft Edge'].map((name) =>
  posix.join('/Applications', `${name}.app`, 'Contents', 'MacOS', name),
);

// Per-user installs (Chromium's, and Chrome's without admin rights) go to %LOCALAPPDATA%.
const WINDOWS_BASES = ['PROGRAMFILES', 'PROGRAMFILES(X86)', 'LOCALAPPDATA'];
const WINDOWS_APPS = [
  ['Google', 'Chrome', 'Application', 'chrome.exe'],
  ['Microsoft', 'Edge', 'Application', 'msedge.exe'],
  ['Chromium', 'Application', 'chrome.exe'],
];

/** Where Chrome, Chromium and Edge usually live on `platform`, in the order the tests prefer them. */
export function browserCandidates(platform: NodeJS.Platform, env: BrowserLookup['env']): string[] {
  if (platform === 'darwin') return MAC;
  if (platform === 'win32') {
    const bases = WINDOWS_BASES.map((name) => windowsVariable(env, name)).filter((base) => base !== undefined);
    return WINDOWS_APPS.flatMap((parts) => bases.map((base) => win32.join(base, ...parts)));
  }
  return LINUX;
}

/**
 * The browser executable: `CHROMIUM_PATH` when set, else the first usual location that
 * exists, else undefined. A `CHROMIUM_PATH` that names nothing is an error, not a skip: the
 * person asked for that browser and should hear that it is not there.
 */
export function findBrowser(lookup: BrowserLookup): string | undefined {
  const chosen = lookup.env[BROWSER_VARIABLE]?.trim();
  if (chosen) {
    if (!lookup.exists(chosen)) {
      throw new Error(
        `${BROWSER_VARIABLE} is set to ${chosen}, but there is no such file: point it at a Chrome, Chromium or Edge executable, or unset it to use one from the usual places.`,
      );
    }
    return chosen;
  }
  return browserCandidates(lookup.platform, lookup.env).find((path) => lookup.exists(path));
}

/** The skip reason when no browser was found. */
export function noBrowserReason(platform: NodeJS.Platform): string {
  return `no Chrome, Chromium or Edge in the usual places for ${platform}; set ${BROWSER_VARIABLE} to the browser's executable to run these tests`;
}

/**
 * Command-line flags for the test browser. Chromium refuses to start as root with its sandbox
 * on (CI containers run as root), so only then is it turned off; everywhere else the
 * browser keeps the sandbox the person's own browser has.
 */
export function browserArgs(platform: NodeJS.Platform, uid: number | undefined): string[] {
  return [
    ...(platform === 'linux' && uid === 0 ? ['--no-sandbox'] : []),
    '--disable-gpu',
    // Only loopback is reachable in the tests; these would otherwise wait on the network.
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ];
}

// Windows treats variable names case-insensitively (the real name is `ProgramFiles`), and a
// copied or hand-built env object does not.
function windowsVariable(env: BrowserLookup['env'], name: string): string | undefined {
  const key = Object.keys(env).find((candidate) => candidate.toUpperCase() === name);
  const value = key === undefined ? undefined : env[key]?.trim();
  return value ? value : undefined;
}
