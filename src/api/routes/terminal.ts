import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { IdParams, errorResponses } from '../../core/api-schemas.js';
import { TerminalTicket } from '../../core/console-schemas.js';
import { FlotillaError, isFlotillaError } from '../../core/errors.js';
import { taskKey } from '../../core/keys.js';
import { DEFAULT_SIZE, validSize, type TerminalSession } from '../../drivers/terminal.js';
import type { ApiDeps } from '../deps.js';
import { TERMINAL_PROTOCOL, Terminals, type Ticket } from '../terminals.js';

const SOCKET_PATH = /^\/v1\/tasks\/([^/]+)\/terminal$/;
/** Keystrokes and control messages are small; a paste of more is cut by the page. */
const MAX_FRAME_BYTES = 64 * 1024;

/**
 * A terminal into a task. `POST /v1/tasks/{id}/terminal` (write access, like every route: the
 * token in the Authorization header) answers a one-use ticket; the WebSocket upgrade of
 * `GET /v1/tasks/{id}/terminal` then carries it as a subprotocol, since a browser can set no
 * header on a WebSocket and a token must never sit in a URL. Binary frames are the terminal's
 * bytes both ways; text frames are JSON: `{"type":"resize","cols","rows"}` from the page,
 * `{"type":"exit","exitCode"}` and `{"type":"error",code,message,hint}` from the daemon.
 */
export const terminalRoutes =
  (deps: ApiDeps, terminals = new Terminals()): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v1/tasks/:id/terminal',
      {
        schema: {
          tags: ['tasks'],
          summary: "A one-use ticket (30 s) for a WebSocket shell in the task's environment",
          params: IdParams,
          response: { 200: TerminalTicket, ...errorResponses },
        },
      },
      async (req) => {
        const task = deps.control.requireTask(req.tenant, req.params.id);
        if (!task.handle || task.handle.pid <= 0) {
          throw new FlotillaError('TASK_NOT_RUNNING', `task "${task.id}" is ${task.state}`);
        }
        if (!deps.openTerminal)
          throw new FlotillaError('DRIVER_UNSUPPORTED', 'this daemon opens no terminals');
        const { ticket, expiresAt } = terminals.issue(req.tenant, task.id, req.principal);
        const path = `/v1/tasks/${encodeURIComponent(task.id)}/terminal`;
        return { ticket, protocol: TERMINAL_PROTOCOL, path, expiresAt };
      },
    );

    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      handleProtocols: (offered) => (offered.has(TERMINAL_PROTOCOL) ? TERMINAL_PROTOCOL : false),
    });
    const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
      socket.on('error', () => undefined);
      let grant: Ticket;
      try {
        grant = admit(deps, terminals, req);
      } catch (err) {
        return refuse(socket, isFlotillaError(err) ? err : new FlotillaError('INTERNAL', String(err)));
      }
      wss.handleUpgrade(req, socket, head, (ws) => void bridge(deps, terminals, ws, grant));
    };
    app.server.on('upgrade', onUpgrade);
    // Open shells end with the daemon's server; its tasks' own processes are not touched.
    app.addHook('preClose', async () => {
      app.server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      await Promise.all(terminals.sessions().map((s) => s.close()));
      wss.close();
    });
  };

/** The ticket behind an upgrade request, checked against the path and the token it was made with. */
function admit(deps: ApiDeps, terminals: Terminals, req: http.IncomingMessage): Ticket {
  const url = new URL(req.url ?? '/', 'http://daemon');
  const match = SOCKET_PATH.exec(url.pathname);
  if (!match) throw new FlotillaError('ROUTE_NOT_FOUND', `no WebSocket at ${url.pathname}`);
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const ticket = offered.includes(TERMINAL_PROTOCOL)
    ? offered.find((p) => p !== TERMINAL_PROTOCOL)
    : undefined;
  const grant = terminals.redeem(ticket);
  let id = decodeURIComponent(match[1]!);
  if (id.startsWith(`${grant.tenant}/`)) id = id.slice(grant.tenant.length + 1);
  const tokenId = grant.principal.tokenId;
  const token = deps.auth && tokenId !== null ? deps.store.tokens.lookup(tokenId) : null;
  if (id !== grant.taskId || (deps.auth && tokenId !== null && (!token || token.revokedAt !== null))) {
    throw new FlotillaError(
      'TERMINAL_TICKET_INVALID',
      'the terminal ticket was made for another task or token',
    );
  }
  return grant;
}

/** The shell behind the socket: bytes both ways, resizes, its exit, and its end when the socket goes. */
async function bridge(deps: ApiDeps, terminals: Terminals, ws: WebSocket, grant: Ticket): Promise<void> {
  const send = (msg: object): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  // What the page sends while the shell is being opened waits for it, in order.
  const early: [RawData, boolean][] = [];
  let earlyBytes = 0;
  let onMessage = (data: RawData, isBinary: boolean): void => {
    earlyBytes += toBuffer(data).length;
    if (earlyBytes > MAX_FRAME_BYTES * 4) ws.close(1009, 'too much input before the shell was open');
    else early.push([data, isBinary]);
  };
  ws.on('message', (data: RawData, isBinary: boolean) => onMessage(data, isBinary));
  let session: TerminalSession;
  try {
    deps.control.requireTask(grant.tenant, grant.taskId);
    session = await deps.openTerminal!(taskKey(grant.tenant, grant.taskId), DEFAULT_SIZE);
  } catch (err) {
    const coded = isFlotillaError(err) ? err : new FlotillaError('INTERNAL', String(err));
    send({ type: 'error', ...coded.toJSON() });
    ws.close(1011, coded.code);
    return;
  }
  terminals.opened(grant.tenant, session);
  deps.log(`terminal opened in ${grant.tenant}/${grant.taskId} (token ${grant.principal.tokenId ?? 'none'})`);
  const end = (): void => {
    terminals.closed(session);
    void session.close();
  };
  if (ws.readyState !== ws.OPEN) return end();
  session.onData((chunk) => {
    if (ws.readyState === ws.OPEN) ws.send(chunk, { binary: true });
  });
  onMessage = (data, isBinary) => {
    if (isBinary) return session.write(toBuffer(data));
    const size = resizeOf(toBuffer(data).toString('utf8'));
    if (size) void session.resize(size);
    else
      send({
        type: 'error',
        ...new FlotillaError(
          'VALIDATION_FAILED',
          'a text frame must be {"type":"resize","cols":N,"rows":N} with N from 1 to 1000; keystrokes go in binary frames',
        ).toJSON(),
      });
  };
  for (const [data, isBinary] of early.splice(0)) onMessage(data, isBinary);
  ws.on('close', end);
  ws.on('error', end);
  void session.exited.then(({ exitCode }) => {
    send({ type: 'exit', exitCode });
    if (ws.readyState === ws.OPEN) ws.close(1000, 'the shell exited');
    end();
  });
}

function resizeOf(text: string): { cols: number; rows: number } | null {
  try {
    const msg = JSON.parse(text) as { type?: unknown };
    return msg?.type === 'resize' ? validSize(msg) : null;
  } catch {
    return null;
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** An upgrade refused before it is one: the coded error as a plain HTTP answer. */
function refuse(socket: Duplex, err: FlotillaError): void {
  const body = JSON.stringify(err.toJSON());
  socket.end(
    `HTTP/1.1 ${err.status} ${http.STATUS_CODES[err.status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\nConnection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
