import { DEFAULT_IDP_PORT, parseIdpPort } from './idp-port.js';
import { startIdp } from './start-idp.js';
import { DEMO_PASSWORD } from './test-users.js';

// `tsx tools/idp/main.ts`: runs the local identity provider for the demo mode until Ctrl+C.

async function main(): Promise<void> {
  const idp = await startIdp({ port: parseIdpPort(process.env.IDP_PORT) ?? DEFAULT_IDP_PORT });

  const lines = [
    'Local identity provider (a fake Auth0 tenant for development; never use it for anything real)',
    '',
    `  Issuer:    ${idp.issuer}`,
    `  Client ID: ${idp.clientId}`,
    `  Audience:  ${idp.audience}`,
    `  Users:     ${idp.users.map((user) => user.email).join(', ')}`,
    `  Password:  ${DEMO_PASSWORD}  (Demo provider: use password ${DEMO_PASSWORD})`,
    '',
    'To point the app at it, put these lines in .env (and leave AUTH0_DOMAIN unset):',
    '',
    `  DESKTOP_LOGIN_DEMO_ISSUER=${idp.issuer}`,
    `  AUTH0_CLIENT_ID=${idp.clientId}`,
    `  AUTH0_AUDIENCE=${idp.audience}`,
    '',
    'Press Ctrl+C to stop.',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    idp.close().then(
      () => {
        console.log(`\nStopped (${signal}).`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error('Could not stop cleanly:', error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (code === 'EADDRINUSE') {
    console.error('The port is already in use. Set IDP_PORT to another port, or stop whatever is using it.');
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
