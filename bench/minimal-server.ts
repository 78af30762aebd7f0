/**
 * The smallest useful HTTP server, run in its own process so that it does not share the client's event
 * loop: answers every request with a tiny body over keep-alive. Prints its port on stdout.
 */
import http from 'node:http';

const body = Buffer.from('{"ok":true}');
const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
