import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** A TCP socket this process is listening on. */
export interface ListeningSocket {
  readonly port: number;
  /** The kernel's id of the socket, so a test can tell a new server from one that was there before. */
  readonly inode: string;
}

/** Why listening sockets cannot be counted here, or undefined when they can. */
export function listeningSocketsUnavailableReason(): string | undefined {
  return process.platform === 'linux'
    ? undefined
    : `counting listening sockets reads /proc, which ${process.platform} does not have`;
}

/**
 * The TCP sockets this process listens on, read from /proc without opening any socket: binding
 * a port to see whether it is taken would itself steal it from the app for a moment. Read
 * synchronously, so the app cannot open or close a server half-way through the count.
 */
export function listeningSockets(): ListeningSocket[] {
  const own = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match?.[1]) own.add(match[1]);
    } catch {
      // The descriptor was closed between listing and reading it.
    }
  }
  const sockets: ListeningSocket[] = [];
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [, local, , state, , , , , , inode] = fields;
      // State 0A is TCP_LISTEN in the kernel's table.
      if (state !== '0A' || local === undefined || inode === undefined || !own.has(inode)) continue;
      const port = Number.parseInt(local.split(':').pop() ?? '', 16);
      if (Number.isInteger(port)) sockets.push({ port, inode });
    }
  }
  return sockets;
}
