/** `--export prometheus=URL` (and `prometheus-native=URL`): snapshots to a remote-write endpoint. */
import { Agent, request } from 'undici';
import { redactUrl } from '../engine/index.js';
import { PUSH_TIMEOUT_MS, type Pusher } from './push-queue.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from './remote-write.js';
import type { Snapshot } from './snapshot.js';
import { withoutUserinfo } from './url-auth.js';

/** Of an answer's body, only this much is read (the start of an error message); the rest is not waited for. */
const MAX_ANSWER_BYTES = 300;

async function firstBytes(body: AsyncIterable<Buffer> & { destroy(): void }, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= max) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

export class RemoteWritePusher implements Pusher {
  readonly label: string;
  readonly sendsEvery = true;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  // One connection, kept alive: a push a second needs no more.
  private readonly agent = new Agent({ connections: 1, connect: { timeout: PUSH_TIMEOUT_MS }, headersTimeout: PUSH_TIMEOUT_MS, bodyTimeout: PUSH_TIMEOUT_MS });

  constructor(url: string, private readonly native: boolean) {
    this.label = `${native ? 'prometheus-native' : 'prometheus'} remote write at ${redactUrl(url)}`;
    const { url: bare, authorization } = withoutUserinfo(url);
    this.url = bare;
    this.headers = { ...REMOTE_WRITE_HEADERS, ...(authorization ? { authorization } : {}) };
  }

  async send(batch: readonly Snapshot[], signal: AbortSignal): Promise<void> {
    const body = encodeWriteRequest(batch, this.native);
    const res = await request(this.url, { method: 'POST', headers: this.headers, body, dispatcher: this.agent, signal });
    const text = (await firstBytes(res.body, MAX_ANSWER_BYTES)).trim();
    if (res.statusCode >= 300) throw new Error(`it answered ${res.statusCode}${text ? `: ${text}` : ''}`);
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}
