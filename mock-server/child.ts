/**
 * The mock server as a child process (see process.ts): started by the first message, then driven by
 * requests {id, op, arg} answered with {id, ok, value | error}. It exits when its parent goes away, so
 * it can never outlive the run that started it.
 */
import { startMockServer, type MockServer } from './server.js';
import type { ChildReply, ChildRequest } from './process.js';

let server: MockServer | null = null;

function reply(message: ChildReply): void {
  process.send?.(message);
}

async function handle(req: ChildRequest): Promise<unknown> {
  if (req.op === 'start') {
    server = await startMockServer(req.arg as Parameters<typeof startMockServer>[0]);
    return { url: server.url, port: server.port, host: server.host, adminUrl: server.adminUrl };
  }
  if (!server) throw new Error('the mock has not started');
  switch (req.op) {
    case 'stats':
      return server.stats();
    case 'faults':
      return server.faults();
    case 'setFaults':
      return server.setFaults(req.arg);
    case 'reset':
      server.reset();
      return null;
    case 'close':
      await server.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (req: ChildRequest) => {
  handle(req).then(
    (value) => reply({ id: req.id, ok: true, value }),
    (err: unknown) => {
      const problems = (err as { problems?: string[] }).problems;
      reply({ id: req.id, ok: false, error: { message: err instanceof Error ? err.message : String(err), ...(problems ? { problems } : {}) } });
    },
  );
});
process.on('disconnect', () => process.exit(0));
