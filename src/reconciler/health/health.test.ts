import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { HealthCheckSpec, HealthProtocol } from '../../core/health.js';
import type { ExecResult } from '../../drivers/driver.js';
import type { CheckTarget } from './checker.js';
import { runCheck } from './index.js';

function spec(protocol: HealthProtocol, extra: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return {
    protocol,
    portIndex: 0,
    gracePeriodSeconds: 0,
    intervalSeconds: 1,
    timeoutSeconds: 1,
    maxConsecutiveFailures: 3,
    ...extra,
  };
}

/**
 * Our own stand-in for a driver's execTask: the checker's logic is what is under test. It runs the
 * shell in its own process group so that a timeout kills the command too, not just /bin/sh.
 */
function shExec(command: string, timeoutMs: number): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-(child.pid as number), 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, output, timedOut });
    });
  });
}

function target(port: number): CheckTarget {
  return { host: '127.0.0.1', ports: [port], exec: shExec };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

/** A port nothing listens on: bound once to learn a free number, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('health checks', () => {
  const sockets = new Set<net.Socket>();
  // resume(): an unread socket never notices the client's FIN and would keep the server open.
  const tcpServer = net.createServer((s) => s.resume().end());
  const httpServer = http.createServer((req, res) => {
    if (req.url === '/ok') res.writeHead(200).end('fine');
    else if (req.url === '/moved') res.writeHead(302, { location: '/ok' }).end();
    else if (req.url === '/broken') res.writeHead(500).end('no');
    // '/hang' never answers: the probe has to give up on its own.
  });
  for (const server of [tcpServer, httpServer]) {
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
  }
  let tcpPort = 0;
  let httpPort = 0;

  before(async () => {
    tcpPort = await listen(tcpServer);
    httpPort = await listen(httpServer);
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all([tcpServer, httpServer].map((s) => new Promise((r) => s.close(r))));
  });

  it('TCP passes when the port accepts and fails when it refuses', async () => {
    assert.equal((await runCheck(spec('TCP'), target(tcpPort))).ok, true);
    const down = await runCheck(spec('TCP'), target(await closedPort()));
    assert.equal(down.ok, false);
    assert.match(down.message, /ECONNREFUSED/);
    const noPort = await runCheck(spec('TCP', { portIndex: 3 }), target(tcpPort));
    assert.deepEqual(noPort, { ok: false, message: 'the task has no port at index 3' });
  });

  it('HTTP follows Marathon: 200-399 healthy, 500 not', async () => {
    assert.deepEqual(await runCheck(spec('HTTP', { path: '/ok' }), target(httpPort)), {
      ok: true,
      message: 'HTTP 200 from GET /ok',
    });
    assert.equal((await runCheck(spec('HTTP', { path: '/moved' }), target(httpPort))).ok, true);
    const broken = await runCheck(spec('HTTP', { path: '/broken' }), target(httpPort));
    assert.deepEqual(broken, { ok: false, message: 'HTTP 500 from GET /broken' });
  });

  it('HTTP times out on a server that never answers, and closes its connection', async () => {
    const started = Date.now();
    const hung = await runCheck(spec('HTTP', { path: '/hang', timeoutSeconds: 0.3 }), target(httpPort));
    assert.deepEqual(hung, { ok: false, message: 'timed out after 0.3s' });
    assert.ok(Date.now() - started < 1000);
    // Every probe's socket must be gone, not parked in a pool.
    for (let i = 0; i < 50 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sockets.size, 0);
  });

  it('COMMAND passes on exit 0 and reports the first line of output', async () => {
    const ok = await runCheck(spec('COMMAND', { command: 'echo all good; echo second line' }), target(0));
    assert.deepEqual(ok, { ok: true, message: 'all good' });
    const bad = await runCheck(spec('COMMAND', { command: 'echo disk full >&2; exit 3' }), target(0));
    assert.deepEqual(bad, { ok: false, message: 'exit 3: disk full' });
  });

  it('COMMAND that hangs counts as a failure', async () => {
    const hung = await runCheck(spec('COMMAND', { command: 'sleep 5', timeoutSeconds: 0.2 }), target(0));
    assert.deepEqual(hung, { ok: false, message: 'timed out after 0.2s' });
  });

  it('REDIS fails cleanly when nothing listens or the peer is not Redis', async () => {
    const down = await runCheck(spec('REDIS', { redis: { replica: false } }), target(await closedPort()));
    assert.equal(down.ok, false);
    assert.match(down.message, /ECONNREFUSED/);
    const wrong = await runCheck(spec('REDIS', { redis: { replica: false } }), target(tcpPort));
    assert.deepEqual(wrong, { ok: false, message: 'Redis closed the connection before answering' });
  });
});
