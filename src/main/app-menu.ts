import type { MenuItemConstructorOptions } from 'electron';
import type { IpcResult, SetupReport } from '../shared/ipc-contract.js';

/** What the menu's own items do; main wires them to the same handlers the window uses. */
export interface AppMenuActions {
  checkSetup(): void;
  signOut(): void;
}

/** Everything the packaged app's menu depends on. */
export interface AppMenuOptions {
  readonly appName: string;
  readonly platform: NodeJS.Platform;
  /** Sign out is offered only while someone is signed in. */
  readonly signedIn: boolean;
  readonly actions: AppMenuActions;
}

/**
 * The packaged app's menu: About, Check my setup, Sign out, Quit, and Edit for copy and paste.
 * It replaces Electron's default menu, whose View menu offers Reload and Toggle Developer Tools
 * (DESIGN checklist 11: a packaged build ships no developer tools).
 */
export function appMenuTemplate(options: AppMenuOptions): MenuItemConstructorOptions[] {
  const { actions } = options;
  const checkSetup: MenuItemConstructorOptions = { label: 'Check my setup…', click: () => actions.checkSetup() };
  const signOut: MenuItemConstructorOptions = {
    label: 'Sign out',
    enabled: options.signedIn,
    click: () => actions.signOut(),
  };
  const edit: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [{ role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { type: 'separator' }, { role: 'selectAll' }],
  };
  if (options.platform === 'darwin') {
    // macOS: the first menu is the app's own, named after it.
    return [
      {
        label: options.appName,
        submenu: [
          { role: 'about' },
          { type: 'separator' },
          checkSetup,
          signOut,
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      edit,
    ];
  }
  return [
    { label: '&File', submenu: [checkSetup, signOut, { type: 'separator' }, { role: 'quit' }] },
    edit,
    { label: '&Help', submenu: [{ role: 'about' }] },
  ];
}

/** The message box "Check my setup…" shows: the same checklist the window shows, as text. */
export function setupReportMessage(result: IpcResult<SetupReport>): {
  readonly type: 'info' | 'warning';
  readonly message: string;
  readonly detail: string;
} {
  if (!result.ok) return { type: 'warning', message: 'The setup could not be checked', detail: result.message };
  const marks = { pass: '✓', warn: '!', fail: '✕', skip: '–' } as const;
  const lines = result.value.checks.map((check) => {
    const advice = check.verdict === 'warn' || check.verdict === 'fail' ? `\n    ${check.fix ?? check.detail}` : '';
    return `${marks[check.verdict]} ${check.title}${advice}`;
  });
  return {
    type: result.value.ok ? 'info' : 'warning',
    message: result.value.ok ? 'Setup looks right' : 'Setup needs fixing',
    detail: lines.join('\n'),
  };
}
