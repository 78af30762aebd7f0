import type { CommandModule } from 'yargs';
import { redactUrl } from '../../engine/index.js';
import { EXIT } from '../exit-codes.js';
import { withExportFlags } from '../export-flags.js';
import type { CliIo } from '../io.js';
import { finishProxy, openProxy, prepareProxy, PROXY_OPTIONS, tlsHint, watchLive, type ProxyArgs } from '../proxy-session.js';

/** `tailgate proxy`: stands between a real client and its upstream until Ctrl+C, then reports on the client. */
export function proxyCommand(io: CliIo, stopSignal: () => Promise<void>, setExit: (code: number) => void): CommandModule<object, ProxyArgs> {
  return {
    command: 'proxy',
    describe: 'a fault-injecting reverse proxy that records what a real client does on the wire (Ctrl+C: report)',
    builder: (y) => withExportFlags(y.options(PROXY_OPTIONS), false) as never,
    handler: async (args) => {
      const prepared = await prepareProxy(args, args.upstream, io);
      const proxy = await openProxy(prepared, args);
      io.out(`tailgate proxy listening on ${proxy.url} → ${redactUrl(prepared.upstream)}\n  point your client at ${proxy.clientUrl} (Ctrl+C stops and reports)\n${tlsHint(prepared)}`);
      const stopLive = watchLive(proxy, io);
      await stopSignal();
      stopLive();
      const failed = await finishProxy(proxy, prepared, args.out, io, args.twin);
      setExit(failed ? EXIT.failed : EXIT.ok);
    },
  };
}
