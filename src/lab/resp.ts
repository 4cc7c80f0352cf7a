import net from 'node:net';

/** The least of a Redis client: one connection, one command at a time, RESP2 replies. */
export class Resp {
  private buffer = Buffer.alloc(0);
  private waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    const fail = (err: Error) => {
      this.waiting?.reject(err);
      this.waiting = null;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(url: string, timeoutMs: number): Promise<Resp> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: u.hostname, port: Number(u.port) || 6379 });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('connect timed out'));
      }, timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        const client = new Resp(socket);
        const password = decodeURIComponent(u.password);
        if (!password) return resolve(client);
        client
          .call(['AUTH', decodeURIComponent(u.username || 'default'), password], timeoutMs)
          .then(() => resolve(client), reject);
      });
    });
  }

  call(args: string[], timeoutMs: number): Promise<unknown> {
    if (this.waiting) return Promise.reject(new Error('one command at a time'));
    const parts = [`*${args.length}\r\n`, ...args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`)];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        this.socket.destroy();
        reject(new Error('timed out'));
      }, timeoutMs);
      this.waiting = {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.socket.write(parts.join(''));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    if (!this.waiting) return;
    const end = this.buffer.indexOf('\r\n');
    if (end < 0) return;
    const head = this.buffer.subarray(0, end).toString();
    let value: unknown;
    let used = end + 2;
    if (head[0] === '$') {
      const len = Number(head.slice(1));
      if (len < 0) value = null;
      else {
        if (this.buffer.length < used + len + 2) return;
        value = this.buffer.subarray(used, used + len).toString();
        used += len + 2;
      }
    } else if (head[0] === '-') value = new Error(head.slice(1));
    else value = head.slice(1);
    this.buffer = this.buffer.subarray(used);
    const w = this.waiting;
    this.waiting = null;
    if (value instanceof Error) w.reject(value);
    else w.resolve(value);
  }
}
