import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The preload exactly as the app ships it: CommonJS built by Vite, which calls `require('electron')`. */
export const PRELOAD_PATH = join(import.meta.dirname, '..', '..', 'dist', 'preload', 'preload.cjs');

/** The names under which the page-side stand-ins find their Playwright bindings (and then take them off `window`). */
export interface PreloadBindings {
  /** Carries `ipcRenderer.invoke(channel, ...args)` to the main-side stand-in. */
  readonly invoke: string;
  /** Long-polls for what main sent with `webContents.send`, so no emitter has to live on `window`. */
  readonly events: string;
  /**
   * When set, `ipcRenderer.invoke` is also put on `window` under this name, so a test can send
   * what the preload never would (extra arguments, unknown channels). Only the refusal tests use it.
   */
  readonly invokeHook?: string;
}

/** A batch of `webContents.send(channel, ...args)` calls, oldest first. */
export type SentEvents = [channel: string, args: unknown[]][];

type PreloadModule = (require: (id: string) => unknown, module: { exports: unknown }, exports: unknown) => void;

// Runs in the page before any of its own scripts, serialised with toString(): it must not use
// anything from this module's scope. Playwright runs init scripts in every frame, where Electron
// runs a preload only in the top frame (nodeIntegrationInSubFrames is off): that is more reach
// than the real app gives a sub-frame, which is what the sub-frame refusal test needs.
function installElectronStandIns(bindings: PreloadBindings, preload: PreloadModule): void {
  const page = globalThis as unknown as Record<string, unknown>;
  const invokeMain = page[bindings.invoke] as (channel: string, ...args: unknown[]) => Promise<unknown>;
  const nextEvents = page[bindings.events] as () => Promise<SentEvents>;
  // Electron's ipcRenderer lives in the preload's isolated world; the page must not reach its transport.
  delete page[bindings.invoke];
  delete page[bindings.events];

  type Listener = (event: unknown, ...args: unknown[]) => void;
  const listeners = new Map<string, Set<Listener>>();
  const ipcRenderer = {
    invoke: (channel: string, ...args: unknown[]): Promise<unknown> => invokeMain(channel, ...args),
    on(channel: string, listener: Listener): unknown {
      const forChannel = listeners.get(channel) ?? new Set<Listener>();
      forChannel.add(listener);
      listeners.set(channel, forChannel);
      return ipcRenderer;
    },
    off(channel: string, listener: Listener): unknown {
      listeners.get(channel)?.delete(listener);
      return ipcRenderer;
    },
  };
  // contextBridge hands the page a copy it cannot change or replace.
  const contextBridge = {
    exposeInMainWorld(key: string, api: Record<string, unknown>): void {
      Object.defineProperty(page, key, {
        value: Object.freeze({ ...api }),
        enumerable: true,
        writable: false,
        configurable: false,
      });
    },
  };
  // A sandboxed preload's require knows a few modules; this one gives only what the app's preload may use.
  const requireStandIn = (id: string): unknown => {
    if (id === 'electron') return { contextBridge, ipcRenderer };
    throw new Error(`the preload stand-in has no module ${id}`);
  };
  const moduleStandIn = { exports: {} };
  preload(requireStandIn, moduleStandIn, moduleStandIn.exports);
  if (bindings.invokeHook) page[bindings.invokeHook] = ipcRenderer.invoke;

  void (async () => {
    for (;;) {
      let batch: SentEvents;
      try {
        batch = await nextEvents();
      } catch {
        return; // The document is going away.
      }
      for (const [channel, args] of batch) {
        for (const listener of [...(listeners.get(channel) ?? [])]) listener({ sender: ipcRenderer }, ...args);
      }
    }
  })();
}

/**
 * The init script that runs the built preload in the page with stand-ins for Electron's
 * `contextBridge` and `ipcRenderer`. The preload's source is pasted in as a function body rather
 * than evaluated, so the renderer's CSP (no 'unsafe-eval') has nothing to refuse.
 */
export async function preloadInitScript(bindings: PreloadBindings): Promise<string> {
  const source = await readFile(PRELOAD_PATH, 'utf8');
  // Under tsx (node:test, scripts/) esbuild keeps function names by calling a `__name` helper
  // inside the serialised function; the page has none, so one is in scope here, not on window.
  return `(() => {\nconst __name = (target) => target;\n(${installElectronStandIns.toString()})(${JSON.stringify(bindings)}, function (require, module, exports) {\n${source}\n});\n})();`;
}
