import type { DoctorReport, Verdict } from './check-result.js';

const LABELS: Readonly<Record<Verdict, string>> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };
const INDENT = '      ';

/**
 * The checklist as plain text: one line per check, and for every warn and fail what was found
 * and the fix, indented under it. Passes stay one line, so the problems stand out.
 */
export function formatDoctorReport(report: DoctorReport): string {
  const lines: string[] = [];
  if (report.target === undefined) {
    lines.push('Checking the sign-in setup (the configuration could not be read).');
  } else if (report.target.demo) {
    lines.push(
      `Checking the local demo identity provider at ${report.target.issuer} (DESKTOP_LOGIN_DEMO_ISSUER), not an Auth0 tenant; client ${report.target.clientId}.`,
    );
  } else {
    lines.push(`Checking client ${report.target.clientId} at ${new URL(report.target.issuer).host}.`);
  }
  lines.push('');
  for (const check of report.checks) {
    lines.push(`${LABELS[check.verdict]}  ${check.title}`);
    if (check.verdict === 'pass') continue;
    lines.push(...check.detail.split('\n').map((line) => `${INDENT}${line}`));
    if (check.fix !== undefined) {
      const [first = '', ...rest] = check.fix.split('\n');
      lines.push(`${INDENT}Fix: ${first}`, ...rest.map((line) => `${INDENT}     ${line}`));
    }
  }
  const count = (verdict: Verdict): number => report.checks.filter((check) => check.verdict === verdict).length;
  const summary = [`${count('fail')} failed`, `${count('warn')} warned`, `${count('pass')} passed`];
  if (count('skip') > 0) summary.push(`${count('skip')} skipped`);
  lines.push('', `${summary.join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
