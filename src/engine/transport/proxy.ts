/**
 * An HTTP CONNECT tunnel through a proxy: a raw socket to the target, on which undici (or TLS, for an
 * https target) then speaks as if it had connected directly.
 */
import net from 'node:net';
import type { Socket } from 'node:net';
import { TailgateError } from '../errors.js';

/** Where the tunnel goes (undici's connect options carry these). */
export interface TunnelTarget {
  hostname: string;
  port: string;
  protocol: string;
}

/** HTTP CONNECT through `proxyUrl`; the callback gets a raw socket to the target. */
export function openTunnel(
  proxyUrl: string,
  options: TunnelTarget,
  callback: (err: Error | null, socket: Socket | null) => void,
  onPending: (socket: Socket) => void,
): void {
  const proxy = new URL(proxyUrl);
  const socket = net.connect({ host: proxy.hostname, port: Number(proxy.port || 80) });
  onPending(socket);
  const target = `${options.hostname}:${options.port || (options.protocol === 'https:' ? 443 : 80)}`;
  let buffered = Buffer.alloc(0);
  const onError = (err: Error) => callback(err, null);
  socket.once('error', onError);
  socket.once('connect', () => {
    const auth = proxy.username
      ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
      : '';
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
  });
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf('\r\n\r\n');
    if (end === -1) return;
    socket.off('data', onData);
    socket.off('error', onError);
    // Hold any bytes after the CONNECT reply until undici (or TLS) takes the socket over.
    socket.pause();
    const statusLine = buffered.subarray(0, buffered.indexOf('\r\n')).toString('latin1');
    const status = Number(statusLine.split(' ')[1]);
    if (status !== 200) {
      socket.destroy();
      callback(new TailgateError('connect_error', `proxy refused CONNECT ${target}: ${statusLine}`), null);
      return;
    }
    const rest = buffered.subarray(end + 4);
    if (rest.length > 0) socket.unshift(rest);
    callback(null, socket);
  };
  socket.on('data', onData);
}
