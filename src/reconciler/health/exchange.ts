import net from 'node:net';

export interface ExchangeSpec<T> {
  host: string;
  port: number;
  timeoutMs: number;
  request: string | Buffer;
  /** An answer larger than this is not the protocol we expect. */
  maxBytes: number;
  /** Everything received so far: the result once the answer is complete, else undefined to wait. */
  onData?: (received: Buffer) => T | undefined;
  /** For protocols whose answer ends when the server closes its side. */
  onEnd?: (received: Buffer) => T;
  failure: (message: string) => T;
  messages: { timeout: string; tooLarge: string; closed: string; unreachable: string };
}

/**
 * One request and its answer over a fresh TCP connection, for the protocol checks (REDIS, KAFKA,
 * ZOOKEEPER). Whatever comes first — the answer, an error, the peer closing, the timeout — settles
 * it, and the socket and timer are always released.
 */
export function exchange<T>(s: ExchangeSpec<T>): Promise<T> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: s.host, port: s.port });
    const timer = setTimeout(() => done(s.failure(s.messages.timeout)), s.timeoutMs);
    let received = Buffer.alloc(0);
    let settled = false;
    function done(result: T): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
    socket.on('connect', () => socket.write(s.request));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length > s.maxBytes) return done(s.failure(s.messages.tooLarge));
      const result = s.onData?.(received);
      if (result !== undefined) done(result);
    });
    if (s.onEnd) socket.on('end', () => done(s.onEnd!(received)));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(s.failure(`${s.messages.unreachable}: ${err.code ?? err.message}`)),
    );
    socket.on('close', () => done(s.failure(s.messages.closed)));
  });
}
