import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Serialises refreshes across processes that share one keychain entry. */
export interface RefreshLock {
  /** Runs `work` while holding the lock; waits up to `waitMs` for another holder. */
  withLock<T>(work: () => Promise<T>): Promise<T>;
}

/** A lock for a single process (tests, or where no data folder exists). */
export const processLocalLock: RefreshLock = {
  withLock: (work) => work(),
};

/**
 * A lock directory next to the app's data. `mkdir` is atomic on every OS, so exactly one
 * process wins; a holder that crashed is recognised by the lock's age. The lock holds no
 * secret, only the holder's pid for people debugging.
 */
export function createDirectoryLock(dataDir: string, options: { staleMs?: number; waitMs?: number } = {}): RefreshLock {
  const lockDir = join(dataDir, 'refresh.lock');
  const staleMs = options.staleMs ?? 60_000;
  const waitMs = options.waitMs ?? 45_000;

  const acquire = async (): Promise<void> => {
    const deadline = Date.now() + waitMs;
    await mkdir(dataDir, { recursive: true });
    for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
      try {
        await mkdir(lockDir);
        await writeFile(join(lockDir, 'owner'), String(process.pid)).catch(() => undefined);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const age = await stat(lockDir).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age > staleMs) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for the refresh lock');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  };

  return {
    async withLock(work) {
      await acquire();
      try {
        return await work();
      } finally {
        await rm(lockDir, { recursive: true, force: true });
      }
    },
  };
}
