import type { FullConfig, Reporter, Suite, TestCase } from '@playwright/test/reporter';

/**
 * Names every skipped test with its reason after the run, and counts the outcomes, so a test
 * that could not run here (no browser, no keychain, no Electron) never vanishes from the summary.
 */
export class SkipReasonsReporter implements Reporter {
  #suite: Suite | undefined;

  onBegin(_config: FullConfig, suite: Suite): void {
    this.#suite = suite;
  }

  onEnd(): void {
    const tests = this.#suite?.allTests() ?? [];
    // `playwright test --list` ends without running anything: there is nothing to account for.
    if (tests.every((test) => test.results.length === 0)) return;
    const skipped = tests.filter((test) => test.outcome() === 'skipped');
    const failed = tests.filter((test) => test.outcome() === 'unexpected').length;
    const lines = skipped.map((test) => `  skipped: ${title(test)}: ${skipReason(test)}`);
    const tally = `${tests.length - skipped.length - failed} passed, ${failed} failed, ${skipped.length} skipped`;
    process.stdout.write([...lines, `Playwright: ${tally}`, ''].join('\n'));
  }

  printsToStdio(): boolean {
    return true;
  }
}

function title(test: TestCase): string {
  return test
    .titlePath()
    .filter((part) => part !== '')
    .join(' › ');
}

// test.skip() inside a test or fixture records its reason on the result; one in a describe block, on the test.
function skipReason(test: TestCase): string {
  const annotations = [...(test.results.at(-1)?.annotations ?? []), ...test.annotations];
  return annotations.find((annotation) => annotation.type === 'skip')?.description ?? 'not run (no reason given)';
}

// Playwright loads a reporter through its module's default export.
export default SkipReasonsReporter;
