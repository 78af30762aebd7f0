import { startMockProcess, type MockProcess } from '../../mock-server/index.js';

/** The mock in its own process, which a test can stall for real (SIGSTOP) without stalling the client. */
export async function startStallableMock(faults: unknown = {}): Promise<MockProcess & { stall(ms: number): Promise<void> }> {
  const mock = await startMockProcess({ faults });
  return Object.assign(mock, {
    stall: async (ms: number) => {
      process.kill(mock.pid, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, ms));
      process.kill(mock.pid, 'SIGCONT');
    },
  });
}
