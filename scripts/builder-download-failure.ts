// electron-builder ends a failed build with one `⨯` line that carries `failedTask=` and the whole
// stack trace (builder-util's log, called from electron-builder's cli-util `wrap`). On a machine
// without internet access, or behind a proxy, that trace is all a person gets for a download that
// failed. This reads electron-builder's output as it streams, passes the progress through, holds
// back the error report, and turns a failed download into one sentence that names what it was
// fetching and how to build without it (README, "Packaging and signing").

/** Which stream a piece of electron-builder's output came from. */
export type BuilderStream = 'stdout' | 'stderr';

/** Streams electron-builder's output through, holding back its error report until the end. */
export interface BuilderLogReader {
  /** Takes a chunk of output; complete lines are shown at once unless they belong to an error report. */
  push(chunk: string, stream: BuilderStream): void;
  /** True once electron-builder printed its final error: its build, and its clean-up, are over. */
  readonly finished: boolean;
  /** The sentence for a build that stopped on a failed download, or undefined (judged on what came so far). */
  downloadFailure(): string | undefined;
  /**
   * Ends the reading: for a failed download returns the sentence and drops the held report (its
   * stack trace); otherwise shows the held report as electron-builder wrote it.
   */
  end(): string | undefined;
}

/** What electron-builder was fetching, from the step its log last announced. */
type Fetching =
  | { readonly kind: 'electron'; readonly version: string; readonly target: string }
  | { readonly kind: 'headers'; readonly version: string | undefined; readonly module: string }
  | { readonly kind: 'tools'; readonly target: string };

interface HeldLine {
  readonly text: string;
  readonly stream: BuilderStream;
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC.
const ANSI = /\u001b\[[0-9;]*m/g;
const ERROR_LINE = /^\s*⨯(?:\s|$)/;
const INFO_LINE = /^\s*•\s/;
const FINAL_ERROR = /\bfailedTask=/;

/** Node's, got's and node-gyp's ways of saying a host could not be reached or answered badly. */
const NETWORK_CAUSES: readonly RegExp[] = [
  /\b(?:(?:getaddrinfo|connect|read|write) )?(?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENETDOWN)\b(?: [\w.:[\]-]+)?/,
  /\bself[- ]signed certificate(?: in certificate chain)?|\bunable to (?:get local issuer certificate|verify the first certificate)|\bcertificate has expired/i,
  /\bResponse code \d{3}(?: \([^)]*\))?/,
  /\bsocket hang up\b/,
];
/** node-gyp names no host when it cannot fetch headers, only this. */
const NODE_GYP_OFFLINE = /related to network connectivity/;

const README_POINTER = '(see README.md, "Packaging and signing")';

/** The step electron-builder's info line starts, or `undefined` when it starts one that downloads nothing. */
function stepOf(line: string, current: Fetching | undefined, electronVersion?: string): Fetching | undefined {
  const packaging = /\bpackaging\s+platform=(\S+)\s+arch=(\S+)\s+electron=(\S+)/.exec(line);
  if (packaging) {
    return { kind: 'electron', version: packaging[3] ?? '', target: `${packaging[1] ?? ''}-${packaging[2] ?? ''}` };
  }
  const building = /\bbuilding\s+target=(\S+)/.exec(line);
  if (building) return { kind: 'tools', target: building[1] ?? '' };
  if (/\bexecuting @electron\/rebuild\b/.test(line)) {
    return { kind: 'headers', version: electronVersion, module: 'the native modules' };
  }
  const preparing = /\bpreparing\s+moduleName=(\S+)/.exec(line);
  if (preparing) return { kind: 'headers', version: electronVersion, module: preparing[1] ?? '' };
  // A given Electron (electronDist) or a finished rebuild: nothing of that step is downloaded any more.
  if (
    /\busing custom (?:unpacked Electron distribution|electronDist)|\bcompleted installing native dependencies/.test(
      line,
    )
  ) {
    return undefined;
  }
  return current;
}

/** The short cause of a failed download in an error report (no stack frames, no credentials), if it is one. */
function networkCause(report: string): string | undefined {
  const lines = report.split('\n').filter((line) => !/^\s+at /.test(line));
  for (const pattern of NETWORK_CAUSES) {
    for (const line of lines) {
      const match = pattern.exec(line);
      if (match) return match[0].trim().replace(/\/\/[^/@\s]+@/g, '//***@');
    }
  }
  return lines.some((line) => NODE_GYP_OFFLINE.test(line)) ? 'no network connection' : undefined;
}

/** What was being fetched, and the ways round it: without internet access, behind a proxy, from a mirror. */
function adviceFor(fetching: Fetching | undefined): { what: string; ways: string[] } {
  const proxy = 'behind a proxy, set HTTPS_PROXY';
  switch (fetching?.kind) {
    case 'electron':
      return {
        what: `Electron ${fetching.version} for ${fetching.target}`,
        ways: [
          `without internet access, give it an unpacked Electron ${fetching.version} with \`npm run dist -- -c.electronDist=<folder>\``,
          proxy,
          'to use a mirror, set ELECTRON_MIRROR',
        ],
      };
    case 'headers':
      return {
        what: `the ${['Electron', fetching.version].filter(Boolean).join(' ')} headers to rebuild ${fetching.module}`,
        ways: [
          'without internet access, skip that rebuild with `npm run dist -- -c.npmRebuild=false` ' +
            '(keytar is an N-API module, so the build `npm install` made loads in Electron too)',
          proxy,
        ],
      };
    case 'tools':
      return {
        what: `the tools it needs to build the ${fetching.target}`,
        ways: [
          'without internet access, build only the unpacked app with `npm run dist -- --dir -c.electronDist=<folder>` ' +
            "or fill electron-builder's cache first",
          proxy,
          'to use a mirror, set ELECTRON_BUILDER_BINARIES_MIRROR',
        ],
      };
    case undefined:
      return { what: 'a file the build needs', ways: [proxy] };
  }
}

/** The sentence for a build that stopped on a download; `step` is what the log last announced. */
function describeDownloadFailure(report: string, step: Fetching | undefined): string | undefined {
  if (!FINAL_ERROR.test(report)) return undefined;
  const cause = networkCause(report);
  if (cause === undefined) return undefined;
  // "failed to build AppImage  error=..." names the target whose tools failed, whatever ran in parallel.
  const failedTarget = /\bfailed to build (\S+)/.exec(report)?.[1];
  const { what, ways } = adviceFor(failedTarget ? { kind: 'tools', target: failedTarget } : step);
  return `electron-builder could not download ${what} (${cause}); ${ways.join('; ')} ${README_POINTER}.`;
}

/** Reads electron-builder's output; `show` writes a piece of it to the named stream. */
export function createBuilderLogReader(show: (text: string, stream: BuilderStream) => void): BuilderLogReader {
  const partial: Record<BuilderStream, string> = { stdout: '', stderr: '' };
  let held: HeldLine[] = [];
  let step: Fetching | undefined;
  let electronVersion: string | undefined;

  const release = (): void => {
    for (const line of held) show(line.text, line.stream);
    held = [];
  };
  const heldReport = (): string => held.map((line) => line.text.replace(ANSI, '')).join('');
  const take = (text: string, stream: BuilderStream): void => {
    const plain = text.replace(ANSI, '');
    if (INFO_LINE.test(plain)) {
      // electron-builder carried on, so what it reported as an error did not end the build.
      release();
      electronVersion = /\belectronVersion=(\S+)/.exec(plain)?.[1] ?? electronVersion;
      step = stepOf(plain, step, electronVersion);
      show(text, stream);
    } else if (held.length > 0 || ERROR_LINE.test(plain)) {
      held.push({ text, stream });
    } else {
      show(text, stream);
    }
  };

  return {
    push(chunk, stream) {
      const lines = (partial[stream] + chunk).split(/(?<=\n)/);
      partial[stream] = lines.at(-1)?.endsWith('\n') ? '' : (lines.pop() ?? '');
      for (const line of lines) take(line, stream);
    },
    get finished() {
      return FINAL_ERROR.test(heldReport());
    },
    downloadFailure: () => describeDownloadFailure(heldReport(), step),
    end() {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream] !== '') take(partial[stream], stream);
        partial[stream] = '';
      }
      const sentence = describeDownloadFailure(heldReport(), step);
      if (sentence === undefined) release();
      held = [];
      return sentence;
    },
  };
}
