import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { InvokeResult, SenderKind, StandInCommand, StandInReport } from './protocol.js';

/** The built main process bundle (`npm run build`). */
export const MAIN_BUNDLE = join(import.meta.dirname, '..', '..', '..', 'dist', 'main', 'main.js');

/** How the app process ended. */
export interface AppExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Date.now() when it ended. */
  readonly at: number;
}

type ReportOf<T extends StandInReport['type']> = Extract<StandInReport, { type: T }>;

/** The built app running under plain Node with the stand-in Electron module, driven by a test. */
export interface AppProcess {
  readonly reports: readonly StandInReport[];
  /** Everything the app wrote to stderr (its log) so far. */
  stderr(): string;
  /** The first report of `type` matching `predicate`, received already or yet to come. */
  waitFor<T extends StandInReport['type']>(
    type: T,
    predicate?: (report: ReportOf<T>) => boolean,
    timeoutMs?: number,
  ): Promise<ReportOf<T>>;
  /** An IPC call as the page (or another frame) would make it; resolves with what the page would get. */
  invoke(channel: string, options?: { from?: SenderKind; args?: unknown[] }): Promise<InvokeResult>;
  /** `app.quit()`, as when the person quits. */
  quit(): void;
  /** Tries a navigation, a <webview> and window.open on the app's window or on a web contents made now. */
  probeWebContents(target: 'window' | 'new-contents'): Promise<ReportOf<'web-contents-probe'>>;
  /** Picks the application menu item with this label; resolves false when there is none. */
  clickMenu(label: string): Promise<boolean>;
  readonly exited: Promise<AppExit>;
  /** Ends the process if it is still running (clean-up after a failed test). */
  kill(): void;
}

/**
 * Starts `node --import tsx --import remote-control.ts dist/main/main.js` with `env` as its
 * whole environment and `cwd` as its folder (so no .env of the developer's is read).
 */
export function startAppProcess(options: { env: NodeJS.ProcessEnv; cwd: string }): AppProcess {
  const remoteControl = new URL('./remote-control.ts', import.meta.url).href;
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), '--import', remoteControl, MAIN_BUNDLE],
    { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  const reports: StandInReport[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let stdout = '';
  let ended: AppExit | undefined;
  let nextId = 1;

  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.on('message', (message: StandInReport) => {
    reports.push(message);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<AppExit>((resolve) => {
    child.once('exit', (code, signal) => {
      ended = { code, signal, at: Date.now() };
      resolve(ended);
      for (const wake of waiters) wake();
    });
  });

  const describeProcess = (): string => `stderr:\n${stderr}\nstdout:\n${stdout}\nreports: ${JSON.stringify(reports)}`;

  const waitFor = <T extends StandInReport['type']>(
    type: T,
    predicate: (report: ReportOf<T>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ReportOf<T>> =>
    new Promise((resolve, reject) => {
      const find = (): ReportOf<T> | undefined =>
        reports.find((report): report is ReportOf<T> => report.type === type && predicate(report as ReportOf<T>));
      const done = (): void => {
        waiters.delete(check);
        clearTimeout(timer);
      };
      const check = (): void => {
        const found = find();
        if (found) {
          done();
          resolve(found);
        } else if (ended) {
          done();
          reject(
            new Error(`the app ended (${ended.code ?? ended.signal}) before reporting ${type}\n${describeProcess()}`),
          );
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${type} report within ${timeoutMs} ms\n${describeProcess()}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  const command = (message: StandInCommand): void => {
    child.send(message);
  };

  return {
    reports,
    stderr: () => stderr,
    waitFor,
    async invoke(channel, { from = 'window', args = [] } = {}) {
      const id = nextId++;
      command({ type: 'invoke', id, channel, from, args });
      return waitFor('invoke-result', (report) => report.id === id);
    },
    quit: () => command({ type: 'quit' }),
    probeWebContents(target) {
      const id = nextId++;
      command({ type: 'probe-web-contents', id, target });
      return waitFor('web-contents-probe', (report) => report.id === id);
    },
    async clickMenu(label) {
      const id = nextId++;
      command({ type: 'click-menu', id, label });
      return (await waitFor('menu-clicked', (report) => report.id === id)).found;
    },
    exited,
    kill() {
      if (!ended) child.kill('SIGKILL');
    },
  };
}
