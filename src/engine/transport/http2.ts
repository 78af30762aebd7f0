/**
 * HTTP/2 bits undici does not expose: the server's SETTINGS_MAX_CONCURRENT_STREAMS, read from the
 * session undici keeps on the socket (found by its symbol's description, lib/core/symbols.js).
 */
import type { Socket } from 'node:net';

/** What learns the stream limit: a pooled connection. */
export interface StreamLimitListener {
  /** The server's stream limit arrived (Infinity when it sets none). */
  settleCapacity(serverLimit: number): void;
  /** No limit will come (no session, or the socket closed): stop holding other requests back. */
  stopAwaiting(): void;
}

/** undici keeps the HTTP/2 session on the socket under this symbol (lib/core/symbols.js). */
let sessionSymbol: symbol | undefined;
let settingsSymbol: symbol | undefined;
function findSymbol(obj: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(obj).find((s) => s.description === description);
}

interface H2Session {
  remoteSettings: { maxConcurrentStreams?: number };
  once(event: 'remoteSettings', fn: (settings: { maxConcurrentStreams?: number }) => void): void;
}

/** Learn the server's SETTINGS_MAX_CONCURRENT_STREAMS for an HTTP/2 connection. */
export function watchRemoteSettings(conn: StreamLimitListener, socket: Socket): void {
  sessionSymbol ??= findSymbol(socket, 'http2Session');
  const session = sessionSymbol ? ((socket as unknown as Record<symbol, H2Session | undefined>)[sessionSymbol] ?? null) : null;
  if (session === null) {
    // No session (the socket closed at once): stop holding other requests back.
    conn.stopAwaiting();
    return;
  }
  settingsSymbol ??= findSymbol(session, 'http2session remote settings');
  const received = settingsSymbol ? (session as unknown as Record<symbol, boolean>)[settingsSymbol] === true : false;
  const limitOf = (s: { maxConcurrentStreams?: number }) => s.maxConcurrentStreams ?? Number.POSITIVE_INFINITY;
  if (received) conn.settleCapacity(limitOf(session.remoteSettings));
  else session.once('remoteSettings', (settings) => conn.settleCapacity(limitOf(settings)));
  socket.once('close', () => conn.stopAwaiting());
}
