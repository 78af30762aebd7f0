/**
 * The mock's admin API as a careless or hostile peer meets it, on its own listener and on the main port:
 * each class of input (size, depth, type confusion, prototype keys, control characters, slow peers,
 * partial writes) has its outcome (400 naming the field, 413, the connection cut), the faults stay as
 * they were, and the mock keeps serving. And what admin set, admin can undo: a down window closes the
 * main port, and the admin listener, which no fault touches, lifts it while it is down.
 */
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_FAULTS_BYTES, startMockServer, type MockServer } from '../../mock-server/index.js';

/** Short, so a slow peer's cut is seen in a test's time; an operator's request is far quicker. */
const ADMIN_TIMEOUT_MS = 600;

let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, adminTimeoutMs: ADMIN_TIMEOUT_MS });
});
afterAll(() => mock.close());
beforeEach(async () => {
  await fetch(`${mock.adminUrl}/__tailgate/faults`, { method: 'DELETE' });
});

const portOf = (url: string) => Number(new URL(url).port);
const adminPort = () => portOf(mock.adminUrl as string);
const postFaults = (body: string, base = mock.adminUrl as string) => fetch(`${base}/__tailgate/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

/**
 * Still serving: the traffic port answers (on a connection of its own, closed after, so no pooled
 * connection stays to fill a capacity), and the faults are the defaults the test started from.
 */
async function stillServing(): Promise<void> {
  expect((await rawPeer(mock.port, ['GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'], { waitMs: 3_000 })).got).toMatch(/^HTTP\/1\.1 200 /);
  const faults = (await (await fetch(`${mock.adminUrl}/__tailgate/faults`)).json()) as { seed: number; rules: unknown[] };
  expect(faults).toMatchObject({ seed: 1, rules: [] });
}

/**
 * A raw peer: writes `parts` with `gapMs` between them (then ends its side when `end`), and reports what
 * came back and whether the server closed the connection within `waitMs`.
 */
function rawPeer(port: number, parts: (string | Buffer)[], opts: { gapMs?: number; end?: boolean; waitMs: number }): Promise<{ got: string; closedByServer: boolean; afterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    let sending: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      clearTimeout(sending);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ got, closedByServer, afterMs: Date.now() - started });
    };
    const giveUp = setTimeout(() => finish(false), opts.waitMs);
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      let i = 0;
      const next = () => {
        if (socket.destroyed) return;
        const part = parts[i++];
        if (part === undefined) return void (opts.end && socket.end());
        socket.write(part);
        sending = setTimeout(next, opts.gapMs ?? 0);
      };
      next();
    });
  });
}

describe('what admin set, admin can undo', () => {
  it('a down window set through admin is lifted through admin while the main port is refusing', async () => {
    expect(mock.adminUrl).not.toBeNull();
    expect(adminPort()).not.toBe(mock.port);
    expect((await postFaults(JSON.stringify({ down: [{ atMs: 0, forMs: 60_000 }] }))).status).toBe(200);
    // The window starts on the next tick: a connection already queued may be reset as the port closes.
    const deadline = Date.now() + 3_000;
    let outcome = await connectOutcome(mock.port);
    while (outcome !== 'ECONNREFUSED' && Date.now() < deadline) outcome = await connectOutcome(mock.port);
    expect(outcome).toBe('ECONNREFUSED');
    // The main port's admin paths are down with it; the admin listener is not.
    expect((await fetch(`${mock.adminUrl}/__tailgate/stats`)).status).toBe(200);
    expect((await fetch(`${mock.adminUrl}/__tailgate/faults`, { method: 'DELETE' })).status).toBe(200);
    expect(await connectOutcome(mock.port)).toBe('connected');
    await stillServing();
    expect(mock.stats().faults.listener_down).toBe(1);
  });

  it('a capacity fault that resets every new connection does not reach the admin listener', async () => {
    expect((await postFaults(JSON.stringify({ capacity: { maxConnections: 1 } }))).status).toBe(200);
    const holder = await rawPeerOpen(mock.port);
    try {
      // The main port resets the next connection, whatever it asks for (admin paths too).
      const locked = await rawPeer(mock.port, ['GET /__tailgate/stats HTTP/1.1\r\nhost: x\r\n\r\n'], { waitMs: 2_000 });
      expect(locked.got).toBe('');
      expect(locked.closedByServer).toBe(true);
      expect((await fetch(`${mock.adminUrl}/__tailgate/faults`, { method: 'DELETE' })).status).toBe(200);
      expect(mock.stats().connections.rejected).toBeGreaterThanOrEqual(1);
    } finally {
      holder.destroy();
    }
    await stillServing();
  });
});

/** Connect and report whether the port took the connection. */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** A connection held open on the main port, one request answered on it (so the mock counts it as traffic). */
async function rawPeerOpen(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => socket.write('GET /health HTTP/1.1\r\nhost: x\r\n\r\n'));
    socket.once('data', () => resolve());
  });
  return socket;
}

describe('admin input, by class', () => {
  const problemsOf = async (res: Response) => {
    expect(res.status).toBe(400);
    return ((await res.json()) as { error: { problems: string[] } }).error.problems;
  };

  it('size: a body over the cap is refused 413 at once by its Content-Length, never kept, and the connection cut at the deadline', async () => {
    const head = `POST /__tailgate/faults HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${MAX_FAULTS_BYTES * 4}\r\n\r\n`;
    const res = await rawPeer(adminPort(), [head, Buffer.alloc(64 * 1024, 0x20)], { waitMs: 3_000 });
    expect(res.got).toMatch(/^HTTP\/1\.1 413 /);
    // The peer never sends the rest: its connection is cut once the deadline passes.
    expect(res.closedByServer).toBe(true);
    expect(res.afterMs).toBeGreaterThanOrEqual(ADMIN_TIMEOUT_MS - 50);
    await stillServing();
  });

  it('size: a chunked body streaming past the cap is refused 413 as it passes it, the rest dropped, the connection cut at the deadline', async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const head = 'POST /__tailgate/faults HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n';
    for (const port of [adminPort(), mock.port]) {
      const res = await rawPeer(port, [head, ...Array.from({ length: 8 }, () => framed)], { gapMs: 10, waitMs: 3_000 });
      expect(res.got, `port ${port}`).toMatch(/^HTTP\/1\.1 413 /);
      expect(res.closedByServer).toBe(true);
    }
    // A fault config's own size limits hold too: a rule list past its cap is named.
    const tooMany = JSON.stringify({ rules: Array.from({ length: 1001 }, () => ({ kind: 'truncated_body' })) });
    expect(await problemsOf(await postFaults(tooMany))).toEqual(['rules must have at most 1000 item(s), got 1001']);
    await stillServing();
  });

  it('depth: deeply nested JSON is refused before JSON.parse spends its time on it', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const started = Date.now();
    expect(await problemsOf(await postFaults(deep))).toEqual(['the JSON nests deeper than 16 levels; a fault config needs 4']);
    const nestedInRule = JSON.stringify({ rules: [{ kind: 'status', status: 503, path: '/x', extra: { a: { b: { c: { d: 1 } } } } }] });
    expect(await problemsOf(await postFaults(nestedInRule))).toEqual([expect.stringMatching(/^rules\[0\]\.extra is not a known field/)]);
    // Both answered well within what parsing a million brackets would take on this machine.
    expect(Date.now() - started).toBeLessThan(5_000);
    await stillServing();
  });

  it.each([
    ['null', 'the faults must be an object, got null'],
    ['[]', 'the value must be an object, got a list'],
    ['"faults"', 'the value must be an object, got "faults"'],
    ['{"seed":"1"}', 'seed must be an integer in 0..4294967295, got "1"'],
    ['{"rules":{}}', 'rules must be a list, got an object'],
    ['{"rules":[5]}', 'rules[0] must be an object, got 5'],
    ['{"rules":[{"kind":["status"]}]}', 'rules[0].kind must be one of latency, status, rate_limit, reset_on_reuse, blackhole_on_reuse, slow_headers, slow_body, stall_after_headers, truncated_body, malformed_json, empty_response, got a list'],
    ['{"capacity":[]}', 'capacity must be an object, got a list'],
    ['{"down":"soon"}', 'down must be a list, got "soon"'],
    ['{"keepAliveHint":"yes"}', 'keepAliveHint must be true or false or an integer in 0..86400, got "yes"'],
    ['{"rules":[{"kind":"status","status":1e400}]}', 'rules[0].status must be an integer in 400..599, got Infinity'],
  ])('type confusion: %s is refused 400 naming the field', async (body, expected) => {
    expect(await problemsOf(await postFaults(body))).toEqual([expected]);
    await stillServing();
  });

  it('prototype keys: __proto__ and constructor are unknown fields, and nothing is polluted', async () => {
    for (const [body, expected] of [
      ['{"__proto__":{"seed":5}}', /^__proto__ is not a known field/],
      ['{"constructor":{"prototype":{"seed":5}}}', /^constructor is not a known field/],
      ['{"capacity":{"__proto__":{"maxConnections":1}}}', /^capacity\.__proto__ is not a known field/],
      ['{"rules":[{"kind":"status","status":503,"__proto__":{"probability":0}}]}', /^rules\[0\]\.__proto__ is not a known field/],
    ] as const) {
      expect(await problemsOf(await postFaults(body)), body).toEqual([expect.stringMatching(expected)]);
    }
    expect(({} as { seed?: number }).seed).toBeUndefined();
    expect(({} as { maxConnections?: number }).maxConnections).toBeUndefined();
    await stillServing();
  });

  it('control characters: a rule path holding them is refused, and no problem carries them back raw', async () => {
    for (const path of ['/v1/\u0000x', '/v1/\nx-injected: 1', '/v1/\u001b[31mred']) {
      const res = await postFaults(JSON.stringify({ rules: [{ kind: 'status', status: 503, path }] }));
      const text = await res.clone().text();
      expect(await problemsOf(res)).toEqual([expect.stringMatching(/^rules\[0\]\.path is not valid \(a path starting with \//)]);
      // eslint-disable-next-line no-control-regex
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    }
    // A raw control character inside a JSON string is not JSON.
    expect(await problemsOf(await postFaults('{"rules":[{"kind":"status","status":503,"path":"/a\u0001"}]}'))).toEqual([expect.stringMatching(/^not valid JSON: /)]);
    // In the request line: node refuses it, 400, and the admin listener serves on.
    const res = await rawPeer(adminPort(), ['GET /__tailgate/\u0001stats HTTP/1.1\r\nhost: x\r\n\r\n'], { waitMs: 2_000 });
    expect(res.got).toMatch(/^HTTP\/1\.1 400 /);
    await stillServing();
  });

  it('slow peers: headers or a body trickling in past the deadline are cut, on either port, and others are served meanwhile', async () => {
    const head = 'POST /__tailgate/faults HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n';
    const trickle = (s: string) => s.split('');
    const [slowHeaders, slowBody, slowBodyMain] = await Promise.all([
      rawPeer(adminPort(), trickle(head), { gapMs: 100, waitMs: 10_000 }),
      rawPeer(adminPort(), [head, ...trickle('{"seed":5,"rules":[]}                   ')], { gapMs: 100, waitMs: 10_000 }),
      rawPeer(mock.port, [head, ...trickle('{"seed":5,"rules":[]}                   ')], { gapMs: 100, waitMs: 10_000 }),
      // Meanwhile an operator is answered at once.
      (async () => expect((await fetch(`${mock.adminUrl}/__tailgate/stats`)).status).toBe(200))(),
    ]);
    for (const [name, res] of [['slow headers', slowHeaders], ['slow body', slowBody], ['slow body, main port', slowBodyMain]] as const) {
      expect(res.closedByServer, name).toBe(true);
      // Cut near the deadline: after it, and long before the peer would have finished (100 ms a byte).
      expect(res.afterMs, name).toBeGreaterThanOrEqual(ADMIN_TIMEOUT_MS - 50);
      expect(res.afterMs, name).toBeLessThan(4_000);
      expect(res.got, name).not.toMatch(/^HTTP\/1\.1 200/);
    }
    await stillServing();
  });

  it('partial writes: a body that ends short, or is cut mid-way, changes nothing', async () => {
    const head = 'POST /__tailgate/faults HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n';
    for (const port of [adminPort(), mock.port]) {
      const halfClosed = await rawPeer(port, [head, '{"seed":5'], { end: true, waitMs: 1_000 });
      expect(halfClosed.got, `port ${port}`).not.toMatch(/^HTTP\/1\.1 200/);
      const truncated = await rawPeer(port, ['POST /__tailgate/faults HTTP/1.1\r\nhost: x\r\ncontent-length: 9\r\nconnection: close\r\n\r\n{"seed":5'], { waitMs: 2_000 });
      expect(truncated.got, `port ${port}`).toMatch(/^HTTP\/1\.1 400 /);
      expect(truncated.got).toContain('not valid JSON');
    }
    await stillServing();
  });
});
