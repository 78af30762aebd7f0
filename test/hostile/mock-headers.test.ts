/**
 * The mock's fault headers as a careless or hostile client sends them: each held to the same declaration
 * as the fault config, answered 400 with every problem named, and the mock stays up for the next request.
 */
import net from 'node:net';
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
    // Type confusion: what JSON would read as another type is still only text here.
    [{ 'x-tailgate-fault-status': '[503]' }, 'x-tailgate-fault-status must be an integer in 400..599, got "[503]"'],
    [{ 'x-tailgate-fault-status': '503.5' }, 'x-tailgate-fault-status must be an integer in 400..599, got 503.5'],
    [{ 'x-tailgate-fault-delay-ms': 'Infinity' }, 'x-tailgate-fault-delay-ms must be a number in 0..3600000, got Infinity'],
    [{ 'x-tailgate-fault-status': '503', 'x-tailgate-fault-retry-after': '99999999999' }, 'x-tailgate-fault-retry-after must be a number in 0..86400, got 99999999999'],
    // Prototype keys are words no header fault knows.
    [{ 'x-tailgate-fault-body': '__proto__' }, 'x-tailgate-fault-body must be one of empty, malformed, stall, truncate, slow, got "__proto__"'],
    [{ 'x-tailgate-fault-connection': 'constructor' }, 'x-tailgate-fault-connection must be one of reset, blackhole, close, got "constructor"'],
    // Size: a long value is named, shown cut.
    [{ 'x-tailgate-fault-body': 'x'.repeat(10_000) }, `x-tailgate-fault-body must be one of empty, malformed, stall, truncate, slow, got "${'x'.repeat(57)}..."`],
  ])('%j is refused with 400 naming it, and the mock serves on', async (headers, problem) => {
    mock ??= await startMockServer({ port: 0 });
    const res = await embed(headers);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(`invalid fault headers: ${problem}`);
    expect((await embed({})).status).toBe(200);
  });

  it('repeated, control characters, oversized: refused by name, or by node before the mock reads them, and the mock serves on', async () => {
    mock = await startMockServer({ port: 0 });
    const { port } = mock;
    const raw = (head: string) =>
      new Promise<string>((resolve) => {
        const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write(`POST /v1/embeddings HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 13\r\nconnection: close\r\n${head}\r\n{"input":"a"}`));
        let got = '';
        socket.on('data', (d) => (got += d.toString('latin1')));
        socket.on('close', () => resolve(got));
        socket.on('error', () => resolve(got));
      });
    // Two statuses at once: node joins them, and the mock names what it got.
    const twice = await raw('x-tailgate-fault-status: 429\r\nx-tailgate-fault-status: 500\r\n');
    expect(twice).toMatch(/^HTTP\/1\.1 400 /);
    expect(twice).toContain('x-tailgate-fault-status must be an integer in 400..599, got \\"429, 500\\"');
    // A control character in a value, and a header past the mock's 64 KiB: node's parser refuses them.
    expect(await raw('x-tailgate-fault-status: 4\u000100\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(`x-tailgate-fault-body: ${'s'.repeat(70 * 1024)}\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    expect((await embed({})).status).toBe(200);
    expect(mock.stats().faults.malformed_request_received).toBe(2);
  });

  it('valid ones still inject what they ask for (a status with a Retry-After date)', async () => {
    mock = await startMockServer({ port: 0 });
    const res = await embed({ 'x-tailgate-fault-status': '429', 'x-tailgate-fault-retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('Wed, 21 Oct 2026 07:28:00 GMT');
  });
});
