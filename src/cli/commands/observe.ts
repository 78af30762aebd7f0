import { spawn } from 'node:child_process';
import type { CommandModule } from 'yargs';
import { InvalidInputError } from '../../engine/index.js';
import { EXIT } from '../exit-codes.js';
import { withExportFlags } from '../export-flags.js';
import type { CliIo } from '../io.js';
import { clientEnv, finishProxy, openProxy, prepareProxy, PROXY_OPTIONS, tlsHint, watchLive, type ProxyArgs } from '../proxy-session.js';

interface ObserveArgs extends ProxyArgs {
  command: string[];
}

/** The placeholder in the command's arguments that becomes the proxy's base URL. */
const PLACEHOLDER = '{proxy}';

/**
 * `tailgate observe -- CMD ARGS...`: the proxy for the life of one command. The command gets the proxy
 * as OPENAI_BASE_URL (and TAILGATE_PROXY_URL), and `{proxy}` in its arguments, and with --tls the CA to
 * trust (clientEnv); the upstream is --upstream or the OPENAI_BASE_URL it would have used. Exits with
 * the command's status, or 1 when a threshold failed.
 */
export function observeCommand(io: CliIo, setExit: (code: number) => void): CommandModule<object, ObserveArgs> {
  return {
    command: 'observe [command..]',
    describe: 'run a command with its client pointed at the proxy; report what the client did when it ends',
    builder: (y) =>
      withExportFlags(y.options(PROXY_OPTIONS), false)
        .positional('command', { type: 'string', array: true, describe: 'after --: the command and its arguments ({proxy} becomes the proxy URL)' })
        .epilogue('Exit code: the command\'s own, or 1 when a --threshold failed (a command that could not start: 3). The upstream defaults to $OPENAI_BASE_URL.') as never,
    handler: async (args) => {
      // yargs leaves what follows `--` in `_`, after the command's own name.
      const argv = [...(args.command ?? []), ...((args as unknown as { _: unknown[] })._.slice(1) ?? [])].map(String);
      if (argv.length === 0) throw new InvalidInputError('arguments', ['name the command to run after --, e.g. tailgate observe --upstream URL -- python app.py']);
      const prepared = await prepareProxy(args, args.upstream ?? process.env.OPENAI_BASE_URL, io);
      const proxy = await openProxy(prepared, args);
      io.err(`tailgate observe: ${argv[0]} through ${proxy.clientUrl}\n${tlsHint(prepared)}`);
      const env = clientEnv(proxy, prepared, process.env);
      const stopLive = watchLive(proxy, io);
      const [cmd, ...rest] = argv.map((a) => a.split(PLACEHOLDER).join(proxy.clientUrl));
      const status = await new Promise<number>((resolve) => {
        const child = spawn(cmd as string, rest, { stdio: 'inherit', env });
        child.once('error', (err) => {
          io.err(`tailgate observe: could not start ${JSON.stringify(cmd)}: ${err.message}\n`);
          resolve(-1);
        });
        child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1)));
      });
      stopLive();
      const failed = await finishProxy(proxy, prepared, args.out, io, args.twin);
      setExit(status === -1 ? EXIT.couldNotRun : failed ? EXIT.failed : status);
    },
  };
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return (({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 }) as Record<string, number>)[signal];
}
