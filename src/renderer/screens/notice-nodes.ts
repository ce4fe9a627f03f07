import type { SetupReport } from '../../shared/ipc-contract.js';
import { currentNotice } from '../actions.js';
import { el } from '../dom.js';

const VERDICT_MARKS = { pass: '✓', warn: '!', fail: '✕', skip: '–' } as const;

function setupNodes(report: SetupReport): Node[] {
  const list = el('ul', { className: 'checks', ariaLabel: 'Setup checks', tabIndex: 0 });
  for (const check of report.checks) {
    list.append(
      el(
        'li',
        { className: `check ${check.verdict}` },
        el('span', { className: 'verdict', ariaHidden: 'true' }, VERDICT_MARKS[check.verdict]),
        el(
          'span',
          {},
          el('strong', {}, `${check.title} `),
          el('span', { className: 'visually-hidden' }, `(${check.verdict}) `),
          ...(check.verdict === 'warn' || check.verdict === 'fail' ? [el('small', {}, check.fix ?? check.detail)] : []),
        ),
      ),
    );
  }
  return [
    el('div', { className: 'result' }, el('h2', {}, report.ok ? 'Setup looks right' : 'Setup needs fixing'), list),
  ];
}

/**
 * What the last button press left: the API's answer, the setup checklist, or a line. Long results
 * scroll inside their own box, so the buttons above them stay on screen in a small window.
 */
export function noticeNodes(): Node[] {
  const notice = currentNotice();
  if (!notice) return [];
  if (notice.kind === 'setup') return setupNodes(notice.report);
  if (notice.kind === 'api') {
    return [
      el(
        'div',
        { className: 'result' },
        el('h2', {}, 'API response'),
        el('pre', { tabIndex: 0, ariaLabel: 'API response' }, notice.text),
      ),
    ];
  }
  return [el('p', { className: notice.kind === 'failure' ? 'note error' : 'note', role: 'status' }, notice.text)];
}
