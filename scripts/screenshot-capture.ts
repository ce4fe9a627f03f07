import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startIdp, type RunningIdp } from '../tools/idp/start-idp.js';
import { keychainUnavailableReason, startKeychain } from '../test/support/keychain.js';
import { PRELOAD_PATH } from '../test/support/preload-in-page.js';
import { RENDERER_DIR, serveRenderer } from '../test/support/renderer-harness.js';
import { browserUnavailableReason, launchSystemBrowser } from '../test/support/system-browser.js';
import { openWindowIn, settled, type ReadmeShot, type WindowRig } from './readme-states.js';
import type { Viewport } from './screenshot-manifest.js';
import { outlineFingerprint } from './window-outline.js';

/** What one README picture shows now. */
export interface CapturedShot {
  readonly shot: ReadmeShot;
  readonly outline: string[];
  readonly fingerprint: string;
  /** The picture, when asked for. */
  readonly png?: Buffer;
}

/** Why the window cannot be driven on this machine, or undefined when it can. */
export async function captureUnavailableReason(): Promise<string | undefined> {
  const built = existsSync(join(RENDERER_DIR, 'index.html')) && existsSync(PRELOAD_PATH);
  return (
    (built ? undefined : 'the renderer or preload is not built (run npm run build)') ??
    browserUnavailableReason() ??
    (await keychainUnavailableReason())
  );
}

/**
 * Starts the throwaway keychain, the provider, the browser and the served renderer. The keychain
 * comes first: libsecret connects to one bus, at the first keytar call, and keeps it.
 */
export async function startRig(options: {
  viewport: Viewport;
  startProvider?: () => Promise<RunningIdp>;
}): Promise<WindowRig & { close(): Promise<void> }> {
  const keychain = await startKeychain();
  const stops: (() => Promise<void>)[] = [() => keychain.close()];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const idp = await (options.startProvider ?? (() => startIdp()))();
    stops.push(() => idp.close());
    const browser = await launchSystemBrowser();
    stops.push(() => browser.close());
    const renderer = await serveRenderer();
    stops.push(() => renderer.close());
    return { idp, keychain, browser, renderer, viewport: options.viewport, close: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Drives a fresh app into each state the shots need (once per state) and outlines the window in
 * each shot's colour scheme; with `png`, photographs it too.
 */
export async function captureShots(
  rig: WindowRig,
  shots: readonly ReadmeShot[],
  options: { png: boolean },
): Promise<CapturedShot[]> {
  const captured = new Map<ReadmeShot, CapturedShot>();
  const states = [...new Set(shots.map((shot) => shot.state))];
  for (const state of states) {
    const window = await openWindowIn(rig, state);
    try {
      for (const shot of shots.filter((each) => each.state === state)) {
        await window.page.emulateMedia({ colorScheme: shot.colorScheme });
        await settled(window.page);
        const outline = await window.outline();
        const png = options.png
          ? await window.page.screenshot({ animations: 'disabled', caret: 'hide', scale: 'css' })
          : undefined;
        captured.set(shot, { shot, outline, fingerprint: outlineFingerprint(outline), ...(png ? { png } : {}) });
      }
    } finally {
      await window.close();
    }
  }
  return shots.map((shot) => captured.get(shot) as CapturedShot);
}
