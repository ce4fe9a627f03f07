/** The demo provider's port when IDP_PORT is not set; `npm run idp` and `npm start` share it. */
export const DEFAULT_IDP_PORT = 4400;

/** Reads IDP_PORT: undefined when unset or blank, else a port, or an error that says what is wrong. */
export function parseIdpPort(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`IDP_PORT must be a port number from 0 to 65535, not "${raw}".`);
  }
  return port;
}
