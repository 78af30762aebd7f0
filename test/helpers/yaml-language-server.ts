/**
 * An editor's side of the YAML language server (npm's yaml-language-server, the server VS Code's and
 * other editors' YAML support runs), spoken over stdio as an editor does: initialize, open a document,
 * read the diagnostics it publishes. Only what the scenario tests need of LSP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  message: string;
  severity?: number;
  source?: string;
}

type Message = { id?: number; method?: string; params?: { uri?: string; diagnostics?: Diagnostic[]; items?: unknown[] }; result?: unknown };

export class YamlLanguageServer {
  private readonly child: ChildProcess;
  private buffer = Buffer.alloc(0);
  private nextId = 0;
  private readonly replies = new Map<number, (result: unknown) => void>();
  private readonly diagnostics = new Map<string, (d: Diagnostic[]) => void>();

  private constructor() {
    const bin = createRequire(import.meta.url).resolve('yaml-language-server/bin/yaml-language-server');
    this.child = spawn(process.execPath, [bin, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.stdout!.on('data', (chunk: Buffer) => this.read(chunk));
  }

  /** A server initialized as an editor with validation on and no schema store (nothing fetched from the network). */
  static async start(): Promise<YamlLanguageServer> {
    const server = new YamlLanguageServer();
    await server.request('initialize', { processId: process.pid, rootUri: null, capabilities: { workspace: { configuration: true } } });
    server.notify('initialized', {});
    server.notify('workspace/didChangeConfiguration', { settings: { yaml: SETTINGS } });
    return server;
  }

  /** Open a document (as an editor does with an unsaved buffer: nothing is written) and wait for its diagnostics. */
  open(path: string, text: string, timeoutMs = 15_000): Promise<Diagnostic[]> {
    const uri = pathToFileURL(path).href;
    const published = new Promise<Diagnostic[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} in ${timeoutMs} ms`)), timeoutMs);
      this.diagnostics.set(uri, (d) => {
        clearTimeout(timer);
        resolve(d);
      });
    });
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    return published;
  }

  close(): void {
    this.child.kill();
  }

  private send(message: object): void {
    const json = JSON.stringify({ jsonrpc: '2.0', ...message });
    this.child.stdin!.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  }

  private notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  private request(method: string, params: unknown): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.replies.set(id, resolve);
      this.send({ id, method, params });
    });
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd === -1) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString())?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString()) as Message;
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.handle(message);
    }
  }

  private handle(m: Message): void {
    if (m.method === undefined && m.id !== undefined) return void this.replies.get(m.id)?.(m.result);
    if (m.method === 'textDocument/publishDiagnostics' && m.params?.uri) return void this.diagnostics.get(m.params.uri)?.(m.params.diagnostics ?? []);
    // The server asks for its settings, and may register capabilities: an editor answers.
    if (m.method === 'workspace/configuration' && m.id !== undefined) return this.send({ id: m.id, result: (m.params?.items ?? []).map(() => SETTINGS) });
    if (m.id !== undefined) this.send({ id: m.id, result: null });
  }
}

const SETTINGS = { validate: true, schemaStore: { enable: false } };
