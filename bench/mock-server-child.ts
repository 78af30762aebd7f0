/** The mock server in its own process for benchmarks; faults as JSON in argv[2]. Prints its port. */
import { startMockServer } from '../mock-server/index.js';

const faults = process.argv[2] ? (JSON.parse(process.argv[2]) as unknown) : {};
const server = await startMockServer({ port: 0, faults });
process.stdout.write(`${server.port}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
