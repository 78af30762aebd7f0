import { startMockServer, type MockServer, type MockServerOptions } from '../../mock-server/index.js';
import { Engine, type ClientConfigInput } from '../../src/index.js';

/** A mock server and an engine pointed at it, closed together. */
export async function mockAndEngine(
  mockOptions: MockServerOptions = {},
  config: ClientConfigInput = {},
  observer?: ConstructorParameters<typeof Engine>[2],
): Promise<{ mock: MockServer; engine: Engine; close: () => Promise<void> }> {
  const mock = await startMockServer(mockOptions);
  const engine = new Engine(mock.url, config, { env: {}, ...observer });
  return {
    mock,
    engine,
    close: async () => {
      await engine.close();
      await mock.close();
    },
  };
}

export const json = (body: unknown) => JSON.stringify(body);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
