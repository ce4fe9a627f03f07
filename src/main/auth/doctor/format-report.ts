import { DEMO_ISSUER_VARIABLE, demoIssuerOn } from '../config/demo-provider.js';
import type { DoctorReport, Verdict } from './check-result.js';

const LABELS: Readonly<Record<Verdict, string>> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };
const INDENT = '      ';

/**
 * The checklist as plain text: one line per check, and for every warn and fail what was found
 * and the fix, indented under it. Passes stay one line, so the problems stand out.
 */
export function formatDoctorReport(report: DoctorReport): string {
  const lines: string[] = [...headline(report.target), ''];
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
  if (report.target?.startedForCheck) lines.push('', ...NEXT_STEPS_WITHOUT_TENANT);
  return `${lines.join('\n')}\n`;
}

/** What was checked: a tenant, a demo provider the person runs, or one started for this check. */
function headline(target: DoctorReport['target']): string[] {
  if (target === undefined) return ['Checking the sign-in setup (the configuration could not be read).'];
  if (target.startedForCheck) {
    return [
      'No Auth0 tenant is configured (AUTH0_DOMAIN is empty), so the app uses the local demo identity provider, which `npm start` starts.',
      `Checking one started for this check at ${target.issuer}; client ${target.clientId}.`,
    ];
  }
  if (target.demo) {
    return [
      `Checking the local demo identity provider at ${target.issuer} (${DEMO_ISSUER_VARIABLE}), not an Auth0 tenant; client ${target.clientId}.`,
    ];
  }
  return [`Checking client ${target.clientId} at ${new URL(target.issuer).host}.`];
}

/** The two other things a person without a tenant may want to check, as commands they can paste. */
const NEXT_STEPS_WITHOUT_TENANT: readonly string[] = [
  'To check your Auth0 tenant instead, set AUTH0_DOMAIN and AUTH0_CLIENT_ID in .env (see .env.example).',
  `To check a demo provider already running from \`npm run idp\`: ${DEMO_ISSUER_VARIABLE}=${demoIssuerOn()} npm run doctor`,
];
