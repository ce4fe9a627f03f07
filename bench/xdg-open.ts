import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A stand-in `xdg-open` on PATH that records the URL it is asked to open, so both our app
 * (via spawn, as shell.openExternal does on Linux) and AppAuth-JS (via the `opener` package)
 * hand the sign-in URL to "the system browser" through the same door, and the bench then
 * opens it in Chromium.
 */
export async function createXdgOpen(workDir: string): Promise<{
  open(url: string): Promise<void>;
  next(): Promise<{ url: string; at: number }>;
  close(): Promise<void>;
}> {
  const bin = join(workDir, 'bin');
  const inbox = join(workDir, 'opened');
  await mkdir(bin, { recursive: true });
  await mkdir(inbox, { recursive: true });
  const script = join(bin, 'xdg-open');
  await writeFile(
    script,
    `#!/bin/sh\nprintf '%s' "$1" > "${inbox}/url.tmp.$$" && mv "${inbox}/url.tmp.$$" "${inbox}/url.$$"\n`,
  );
  await chmod(script, 0o755);
  process.env['PATH'] = `${bin}:${process.env['PATH'] ?? ''}`;

  const queue: { url: string; at: number }[] = [];
  const waiters: ((entry: { url: string; at: number }) => void)[] = [];
  const seen = new Set<string>();
  const watcher = watch(inbox, (_event, name) => {
    if (!name || !/^url\.\d+$/.test(name) || seen.has(name)) return;
    seen.add(name);
    const at = performance.now();
    void readFile(join(inbox, name), 'utf8').then((url) => {
      const entry = { url, at };
      const waiter = waiters.shift();
      if (waiter) waiter(entry);
      else queue.push(entry);
    });
  });
  return {
    open: (url) =>
      new Promise((resolve, reject) => {
        const child = spawn('xdg-open', [url], { stdio: 'ignore' });
        child.once('spawn', () => resolve());
        child.once('error', reject);
      }),
    next: () => {
      const entry = queue.shift();
      return entry ? Promise.resolve(entry) : new Promise((resolve) => waiters.push(resolve));
    },
    close: () => Promise.resolve(watcher.close()),
  };
}
