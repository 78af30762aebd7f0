/**
 * The mock's fault headers as a careless or hostile client sends them: each held to the same declaration
 * as the fault config, answered 400 with every problem named, and the mock stays up for the next request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../mock-server/index.js';

let mock: MockServer | null = null;
afterEach(async () => {
  await mock?.close();
  mock = null;
});

const embed = (headers: Record<string, string>) =>
  fetch(`${(mock as MockServer).url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ input: ['a'] }) });

describe('fault headers', () => {
  it.each([
    [{ 'x-tailgate-fault-status': '1000' }, 'x-tailgate-fault-status must be an integer in 400..599, got 1000'],
    [{ 'x-tailgate-fault-status': '99' }, 'x-tailgate-fault-status must be an integer in 400..599, got 99'],
    [{ 'x-tailgate-fault-status': 'teapot' }, 'x-tailgate-fault-status must be an integer in 400..599, got "teapot"'],
    [{ 'x-tailgate-fault-delay-ms': '1e12' }, 'x-tailgate-fault-delay-ms must be a number in 0..3600000, got 1000000000000'],
    [{ 'x-tailgate-fault-delay-ms': '-5' }, 'x-tailgate-fault-delay-ms must be a number in 0..3600000, got -5'],
    [{ 'x-tailgate-fault-connection': 'explode' }, 'x-tailgate-fault-connection must be one of reset, blackhole, close, got "explode"'],
    [{ 'x-tailgate-fault-body': 'slowish' }, 'x-tailgate-fault-body must be one of empty, malformed, stall, truncate, slow, got "slowish"'],
    [{ 'x-tailgate-fault-status': '503', 'x-tailgate-fault-retry-after': 'soon, maybe' }, 'x-tailgate-fault-retry-after is not valid (seconds, or an HTTP-date), got "soon, maybe"'],
  ])('%j is refused with 400 naming it, and the mock serves on', async (headers, problem) => {
    mock ??= await startMockServer({ port: 0 });
    const res = await embed(headers);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(`invalid fault headers: ${problem}`);
    expect((await embed({})).status).toBe(200);
  });

  it('valid ones still inject what they ask for (a status with a Retry-After date)', async () => {
    mock = await startMockServer({ port: 0 });
    const res = await embed({ 'x-tailgate-fault-status': '429', 'x-tailgate-fault-retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('Wed, 21 Oct 2026 07:28:00 GMT');
  });
});
