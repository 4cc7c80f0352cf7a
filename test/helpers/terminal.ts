import WebSocket from 'ws';
import type { FlotillaClient } from '../../src/client/client.js';
import type { TerminalTicket } from '../../src/core/console-schemas.js';

/** A terminal opened as the console opens it: a ticket from the API, then the WebSocket. */
export interface TestTerminal {
  ws: WebSocket;
  /** Everything the terminal wrote so far. */
  output(): string;
  /** Waits until the output matches; rejects with what it saw after `timeoutMs`. */
  expect(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  type(text: string): void;
  resize(cols: number, rows: number): void;
  /** The daemon's JSON messages (exit, error) in order. */
  messages: { type: string; exitCode?: number | null; code?: string }[];
  /** Settles with the close code when the socket closes. */
  closed: Promise<number>;
}

/** Opens the WebSocket of a ticket; rejects with the HTTP status and body when the upgrade is refused. */
export function connect(url: string, protocols: string[]): Promise<TestTerminal> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    let text = '';
    const messages: TestTerminal['messages'] = [];
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('message', (data, binary) => {
      if (binary) text += data.toString();
      else messages.push(JSON.parse(data.toString()) as TestTerminal['messages'][number]);
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { status: res.statusCode, body })),
      );
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        output: () => text,
        messages,
        closed,
        type: (t) => ws.send(Buffer.from(t), { binary: true }),
        resize: (cols, rows) => ws.send(JSON.stringify({ type: 'resize', cols, rows })),
        expect: async (pattern, timeoutMs = 10_000) => {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const m = pattern.exec(text);
            if (m) return m;
            if (Date.now() > deadline) throw new Error(`no ${pattern} in terminal output:\n${text}`);
            await new Promise((r) => setTimeout(r, 25));
          }
        },
      }),
    );
  });
}

/** A ticket for the task, and its terminal. */
export async function openTerminal(client: FlotillaClient, task: string): Promise<TestTerminal> {
  const ticket: TerminalTicket = await client.terminalTicket(task);
  return connect(client.terminalUrl(ticket), [ticket.protocol, ticket.ticket]);
}
