import type { CommandModule } from 'yargs';
import { loadFaultFile, MOCK_SETTINGS, startMockServer, type FaultConfig } from '../../../mock-server/index.js';
import { InvalidInputError } from '../../engine/index.js';
import { exportsAnything, mockFamilies, startServerExport } from '../../export/index.js';
import { exportConfigOf, exportIo, withExportFlags, type ExportArgs } from '../export-flags.js';
import type { CliIo } from '../io.js';
import { annotationsOf, PORT, problemsOf, type TSchema } from '../../util/schema.js';

const SETTING = MOCK_SETTINGS.properties;
/** A flag's default and help, from the setting's declaration. */
const flagOf = (s: TSchema) => {
  const { default: value, description } = annotationsOf(s);
  return { default: value as number, describe: description ?? '' };
};

interface MockArgs extends ExportArgs {
  port: number;
  host: string;
  faults?: string;
  admin?: boolean;
  'admin-port': number;
  'embedding-dim': number;
  'tokens-per-second': number;
  backlog: number;
}

/** One line per active fault, so a person sees at a glance what the server will do. */
export function describeFaults(f: FaultConfig): string[] {
  const lines = [
    `seed ${f.seed}; idle timeout ${f.idleTimeoutMs} ms; keep-alive hint ${f.keepAliveHint === true ? 'true' : f.keepAliveHint === false ? 'omitted' : `timeout=${f.keepAliveHint} (wrong)`}`,
  ];
  if (f.workers !== null) lines.push(`workers: ${f.workers} (requests beyond them queue)`);
  if (f.maxRequestsPerConnection !== null) lines.push(`close after ${f.maxRequestsPerConnection} requests per connection`);
  if (f.capacity.maxConnections !== null) lines.push(`max ${f.capacity.maxConnections} connections, then ${f.capacity.onExceed}`);
  if (f.capacity.maxInFlight !== null) lines.push(`max ${f.capacity.maxInFlight} requests in flight, then 503`);
  for (const d of f.down) lines.push(`listener down at +${d.atMs} ms for ${d.forMs} ms`);
  const llm = f.llm;
  if (llm && (llm.ttft || llm.itl || llm.prefillMsPer1kTokens || llm.maxSequences !== null || llm.slowdownPerSequence || llm.outputTokens !== null || llm.alwaysUsage)) {
    lines.push(`llm: ${JSON.stringify(llm)}`);
  }
  for (const r of f.rules) {
    const { kind, path, probability, ...rest } = r;
    lines.push(`${kind}${path ? ` on ${path}` : ''}${probability !== undefined && probability < 1 ? ` p=${probability}` : ''} ${JSON.stringify(rest)}`);
  }
  return lines;
}

export function mockCommand(io: CliIo, stopSignal: () => Promise<void>): CommandModule<object, MockArgs> {
  return {
    command: 'mock',
    describe: 'run the fault-injecting mock inference server standalone',
    builder: (y) =>
      withExportFlags(y, false)
        .option('port', { type: 'number', default: 8080, describe: 'port (0 = any free port)' })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to bind (admin API and fault headers are off off-loopback unless --admin)' })
        .option('faults', { type: 'string', describe: 'YAML or JSON fault file' })
        .option('admin', { type: 'boolean', describe: 'enable the /__tailgate admin API and x-tailgate-fault-* headers' })
        .option('admin-port', { type: 'number', default: 0, describe: 'the admin API\'s own port, which no fault closes or fills (0 = any free port, printed)' })
        .option('embedding-dim', { type: 'number', ...flagOf(SETTING.embeddingDim) })
        .option('tokens-per-second', { type: 'number', ...flagOf(SETTING.tokensPerSecond) })
        .option('backlog', { type: 'number', ...flagOf(SETTING.backlog) }) as never,
    handler: async (args) => {
      const problems = [
        ...problemsOf(PORT, args.port, '--port'),
        ...problemsOf(PORT, args['admin-port'], '--admin-port'),
        ...problemsOf(SETTING.backlog, args.backlog, '--backlog'),
        ...problemsOf(SETTING.embeddingDim, args['embedding-dim'], '--embedding-dim'),
        ...problemsOf(SETTING.tokensPerSecond, args['tokens-per-second'], '--tokens-per-second'),
      ];
      if (problems.length) throw new InvalidInputError('arguments', problems);
      const exportConfig = exportConfigOf(args);
      let faults: FaultConfig | undefined;
      if (args.faults) {
        try {
          faults = await loadFaultFile(args.faults);
        } catch (err) {
          const problems = (err as { problems?: string[] }).problems ?? [(err as Error).message];
          throw new InvalidInputError(`fault file ${args.faults}`, problems);
        }
      }
      const server = await startMockServer({
        port: args.port,
        host: args.host,
        faults,
        ...(args.admin !== undefined ? { admin: args.admin, faultHeaders: args.admin } : {}),
        adminPort: args['admin-port'],
        embeddingDim: args['embedding-dim'],
        tokensPerSecond: args['tokens-per-second'],
        backlog: args.backlog,
      });
      // One write: a script that waits for the "listening" line finds the rest of the banner with it.
      io.out(
        [
          `tailgate mock listening on ${server.url} (HTTP/1.1 and h2c)\n`,
          `  endpoints: POST /v1/embeddings /embed /rerank /classify /predict /v1/completions /v1/chat/completions; GET /health\n`,
          server.adminUrl ? `  admin: ${server.adminUrl}/__tailgate/stats, ${server.adminUrl}/__tailgate/faults (also on ${server.url}, which faults may close)\n` : '',
          `  faults:\n${describeFaults(server.faults()).map((l) => `    ${l}\n`).join('')}`,
        ].join(''),
      );
      const labels = { server: `${server.host}:${server.port}` };
      const live = exportsAnything(exportConfig)
        ? await startServerExport(exportConfig, exportIo(io), () => mockFamilies(server.readStats(), labels)).catch(async (err: unknown) => {
            await server.close();
            throw err;
          })
        : null;
      await stopSignal();
      await server.close();
      // The final counts pushed (no linger: the mock stops when asked, and was scrapable all along).
      await live?.close();
      const s = server.stats();
      io.out(`stopped: ${s.requests.total} requests on ${s.connections.accepted} connections\n`);
    },
  };
}
