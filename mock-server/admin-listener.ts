/**
 * The admin API's listener of its own. The main port is what the faults act on: a down window closes it,
 * capacity faults reset or stall its new connections. Admin on that port alone could then be locked out
 * by what it set (a down window set through admin could not be undone through admin until it ended). This
 * listener no fault touches, so what the admin set the admin can always undo. The admin paths on the
 * main port keep working beside it.
 *
 * It is bounded before it buffers: few connections at once, small headers, a request (headers and body)
 * must arrive whole within the admin deadline or its connection is cut, and bodies are capped by the
 * admin API itself (admin.ts).
 */
import http from 'node:http';
import type net from 'node:net';
import { answerAdmin, type AdminActions } from './admin.js';
import type { MockState } from './state.js';

/** An operator and a test or two; a crowd of connections here is someone hammering it. */
const MAX_ADMIN_CONNECTIONS = 32;
/** Admin requests carry a path and a few headers. */
const MAX_ADMIN_HEADER_BYTES = 16 * 1024;

export class AdminListener {
  private readonly server: http.Server;

  constructor(state: MockState, actions: AdminActions) {
    const deadline = state.settings.adminTimeoutMs;
    this.server = http.createServer(
      {
        requestTimeout: deadline,
        headersTimeout: deadline,
        // node checks the deadlines on this period (30 s by default): a slow peer is cut near its deadline.
        connectionsCheckingInterval: Math.max(50, Math.min(1000, deadline / 4)),
        maxHeaderSize: MAX_ADMIN_HEADER_BYTES,
        keepAliveTimeout: 5_000,
        noDelay: true,
      },
      (req, res) => answerAdmin(state, actions, req, res),
    );
    this.server.maxConnections = MAX_ADMIN_CONNECTIONS;
    // No clientError handler: node answers a malformed, oversized or late request itself (400, 431,
    // 408) and cuts its connection.
  }

  /** Listen on `port` (0: a port of its own, chosen now). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }
}
