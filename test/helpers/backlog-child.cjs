// Listens with the smallest accept queue, reports its port, then blocks its event loop for good so it
// never accepts: further SYNs are dropped and clients time out connecting. The parent kills it.
const net = require('node:net');
const server = net.createServer();
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.send(server.address().port, () => {
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(sleeper, 0, 0, 60_000);
    process.exit(0);
  });
});
