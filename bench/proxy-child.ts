/** The proxy in its own process for benchmarks, as a user runs it: upstream URL in argv[2]. Prints its port. */
import { startProxy } from '../src/proxy/index.js';

const proxy = await startProxy({ upstream: process.argv[2] as string });
process.stdout.write(`${proxy.port}\n`);
process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
