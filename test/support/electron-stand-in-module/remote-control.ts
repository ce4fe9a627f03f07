import './register.js';
import { standIn, app, ipcMain, Menu, StandInFrame, StandInWebContents, type IpcSender } from './electron.js';
import { WINDOW_ERROR_VARIABLE, type SenderKind, type StandInCommand, type StandInReport } from './protocol.js';

/**
 * Preloaded with `node --import tsx --import <this file> dist/main/main.js`: installs the
 * stand-in Electron module and connects it to the test over the child-process IPC channel.
 * The stand-in reports what the app does; the test sends IPC calls and quits. Electron's
 * process ends when the app quits or exits, so this one does too (after the report is out).
 */

const channel = process.send?.bind(process);
if (!channel) throw new Error('remote-control needs an IPC channel: spawn with stdio [..., "ipc"]');
let unsent = 0;
let whenAllSent: (() => void) | undefined;
const sendReport = (report: StandInReport): void => {
  unsent += 1;
  channel(report, undefined, undefined, () => {
    unsent -= 1;
    if (unsent === 0) whenAllSent?.();
  });
};

standIn.observer = sendReport;
standIn.exitProcess = (code) => {
  const exit = (): never => process.exit(code);
  if (unsent === 0) exit();
  else whenAllSent = exit;
};

const windowError = process.env[WINDOW_ERROR_VARIABLE];
if (windowError) standIn.windowError = new Error(windowError);

// Reported instead of ending the process, so the test sees the rejection and whether the app
// still quits. (Node would end the process on the first one, hiding the second question.)
process.on('unhandledRejection', (reason) => sendReport({ type: 'unhandled-rejection', message: describe(reason) }));
process.on('uncaughtException', (error) => sendReport({ type: 'uncaught-exception', message: describe(error) }));
// The test process went away: end too, rather than linger as an orphan.
process.on('disconnect', () => process.exit(1));

// A stranger's web contents showing the very same page, for calls that must be refused.
const stranger = new StandInWebContents();

process.on('message', (message: StandInCommand) => {
  switch (message.type) {
    case 'quit':
      app.quit();
      break;
    case 'probe-web-contents': {
      // A web contents made now is announced on app like any other, so the app's guard meets it.
      const contents = message.target === 'window' ? standIn.mainWindow().webContents : new StandInWebContents();
      sendReport({
        type: 'web-contents-probe',
        id: message.id,
        target: message.target,
        navigationPrevented: contents.attemptNavigation('will-navigate', 'https://attacker.example/'),
        webviewPrevented: contents.attemptAttachWebview('https://attacker.example/'),
        windowOpen: contents.requestWindowOpen('https://attacker.example/').action,
      });
      break;
    }
    case 'click-menu': {
      const menu = Menu.getApplicationMenu();
      const item = menu?.allItems().find((candidate) => candidate.label === message.label);
      item?.click();
      sendReport({ type: 'menu-clicked', id: message.id, found: item !== undefined });
      break;
    }
    case 'invoke': {
      const { id } = message;
      let from: IpcSender;
      try {
        from = senderFor(message.from);
      } catch (error) {
        sendReport({ type: 'invoke-result', id, ok: false, message: describe(error) });
        break;
      }
      ipcMain.invoke(message.channel, from, ...message.args).then(
        (value) => sendReport({ type: 'invoke-result', id, ok: true, value }),
        (error: unknown) => sendReport({ type: 'invoke-result', id, ok: false, message: describe(error) }),
      );
      break;
    }
  }
});

function senderFor(kind: SenderKind): IpcSender {
  const window = standIn.mainWindow();
  const top = window.webContents.mainFrame;
  switch (kind) {
    case 'window':
      return { sender: window.webContents, senderFrame: top };
    case 'sub-frame':
      return { sender: window.webContents, senderFrame: new StandInFrame(top.url, top) };
    case 'other-contents':
      stranger.mainFrame.url = top.url;
      return { sender: stranger, senderFrame: stranger.mainFrame };
    case 'no-frame':
      return { sender: window.webContents, senderFrame: null };
  }
}

function describe(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}

// Electron becomes ready only after the main script's first run (which is when app.enableSandbox()
// and the like must happen). The main script is an ES module that loads after this one, so the
// stand-in becomes ready on the turn after the app first asks for it.
app.becomeReadyWhenAsked();
