import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FlotillaClient } from '../src/client/client.js';
import { startInProcessDaemon, type InProcessDaemon } from './helpers/daemon.js';
import { adminToken, isAlive, waitFor } from './helpers/flotilla.js';
import { connect, openTerminal } from './helpers/terminal.js';

/** The uid a process runs as, from /proc. */
function uidOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/**
 * The terminal's WebSocket at the API level, with `ws` as the client: a tenant admin gets a shell in
 * its task's sandbox, environment and user; a viewer, another tenant, a spent or misdirected ticket
 * and a bearer token in place of a ticket are refused with codes; closing the socket leaves no
 * process behind; a tenant holds at most 4 terminals.
 */
describe('task terminal (WebSocket API)', () => {
  let running: InProcessDaemon;
  let b: FlotillaClient;
  let bViewer: FlotillaClient;
  let a: FlotillaClient;
  let bToken: string;

  before(async () => {
    running = await startInProcessDaemon('terminal', 33000);
    const { daemon, home, admin } = running;
    await admin.createTenant({ name: 'term-a' });
    await admin.createTenant({ name: 'term-b' });
    const mint = (tenant: string, role: 'tenant-admin' | 'tenant-viewer') =>
      new FlotillaClient(daemon.info.address, { token: adminToken(home), tenant }).createToken(role, 'test');
    const [ta, tb, tv] = [
      await mint('term-a', 'tenant-admin'),
      await mint('term-b', 'tenant-admin'),
      await mint('term-b', 'tenant-viewer'),
    ];
    bToken = tb.token;
    a = new FlotillaClient(daemon.info.address, { token: ta.token });
    b = new FlotillaClient(daemon.info.address, { token: tb.token });
    bViewer = new FlotillaClient(daemon.info.address, { token: tv.token });
    await b.applyStack(
      'shells',
      'name: shells\napps:\n  web:\n    cmd: exec sleep 600\n    instances: 2\n    cpus: 0.1\n    mem: 16\n    env:\n      GREETING: hello-from-the-task\n',
    );
    await waitFor(
      async () => (await b.listTasks()).filter((t) => t.state === 'running').length === 2,
      15_000,
    );
  });
  after(() => running.stop());

  it("opens a shell in the task's sandbox, environment and user, resizes it, and reports its exit", async () => {
    const task = await b.getTask('web.0');
    const term = await openTerminal(b, 'web.0');
    try {
      term.resize(101, 33);
      await new Promise((r) => setTimeout(r, 200));
      term.type(
        'echo "task=$FLOTILLA_TASK greet=$GREETING"; echo "uid=$(id -u) user=$(id -un)"; echo "cwd=$(pwd)"; echo "size=$(stty size)"\n',
      );
      const [, key] = (await term.expect(/task=(\S+) greet=hello-from-the-task/))!;
      assert.equal(key, 'term-b/web.0');
      const [, uid] = (await term.expect(/uid=(\d+) user=\S+/))!;
      assert.equal(Number(uid), uidOf(task.pid!), 'the shell runs as the task runs');
      if (process.getuid?.() === 0)
        assert.notEqual(Number(uid), 0, "as root the daemon gives tasks their tenant's user");
      assert.equal((await term.expect(/cwd=(\/\S*)/))[1], task.sandbox);
      assert.equal((await term.expect(/size=(\d+ \d+)/))[1], '33 101');
      term.type('exit 7\n');
      assert.equal(await term.closed, 1000);
      assert.deepEqual(
        term.messages.find((m) => m.type === 'exit'),
        { type: 'exit', exitCode: 7 },
      );
    } finally {
      term.ws.terminate();
    }
  });

  it('kills the shell and what it started when the socket closes', async () => {
    const term = await openTerminal(b, 'web.1');
    term.type('sleep 600 & echo "bg=$! shell=$$"\n');
    const [, bg, shell] = (await term.expect(/bg=(\d+) shell=(\d+)/))!;
    assert.ok(isAlive(Number(bg)) && isAlive(Number(shell)));
    term.ws.close();
    await term.closed;
    await waitFor(() => !isAlive(Number(bg)) && !isAlive(Number(shell)), 5000);
    // The task itself runs on.
    assert.equal((await b.getTask('web.1')).state, 'running');
  });

  it('refuses a viewer, another tenant, a spent or misdirected ticket, and a token in place of a ticket', async () => {
    await assert.rejects(bViewer.terminalTicket('web.0'), { code: 'PERMISSION_DENIED' });
    await assert.rejects(a.terminalTicket('web.0'), { code: 'TASK_NOT_FOUND' });
    await assert.rejects(a.terminalTicket('term-b/web.0'), { code: 'TENANT_NOT_FOUND' });

    const ticket = await b.terminalTicket('web.0');
    const url = b.terminalUrl(ticket);
    const first = await connect(url, [ticket.protocol, ticket.ticket]);
    first.ws.close();
    await first.closed;
    const refusal = (e: unknown, status: number, code: string) => {
      const err = e as { status: number; body: string };
      assert.equal(err.status, status);
      assert.equal((JSON.parse(err.body) as { code: string }).code, code);
      return true;
    };
    await assert.rejects(connect(url, [ticket.protocol, ticket.ticket]), (e) =>
      refusal(e, 401, 'TERMINAL_TICKET_INVALID'),
    );
    await assert.rejects(connect(url, [ticket.protocol, bToken]), (e) =>
      refusal(e, 401, 'TERMINAL_TICKET_INVALID'),
    );
    await assert.rejects(connect(url, [ticket.protocol]), (e) => refusal(e, 401, 'TERMINAL_TICKET_INVALID'));
    const other = await b.terminalTicket('web.0');
    await assert.rejects(
      connect(b.terminalUrl({ ...other, path: '/v1/tasks/web.1/terminal' }), [other.protocol, other.ticket]),
      (e) => refusal(e, 401, 'TERMINAL_TICKET_INVALID'),
    );
    // A's ticket for its own (absent) task cannot be had, and B's ticket opens nothing at another path either.
    await assert.rejects(connect(url.replace('/terminal', '/nothing'), [ticket.protocol, 'x']), (e) =>
      refusal(e, 404, 'ROUTE_NOT_FOUND'),
    );
  });

  it('bad control messages get a coded answer and the shell goes on', async () => {
    const term = await openTerminal(b, 'web.0');
    try {
      term.ws.send(JSON.stringify({ type: 'resize', cols: 0, rows: 'x' }));
      await waitFor(() => term.messages.some((m) => m.code === 'VALIDATION_FAILED'), 5000);
      term.type('echo still-$((40+2))\n');
      await term.expect(/still-42/);
    } finally {
      term.ws.close();
      await term.closed;
    }
  });

  it('holds a tenant to 4 terminals at once', async () => {
    const open = [];
    for (let i = 0; i < 4; i++) open.push(await openTerminal(b, 'web.0'));
    await assert.rejects(b.terminalTicket('web.0'), { code: 'TERMINAL_LIMIT' });
    open[0]!.ws.close();
    await open[0]!.closed;
    await waitFor(
      async () =>
        await b.terminalTicket('web.0').then(
          () => true,
          () => false,
        ),
      5000,
    );
    for (const t of open.slice(1)) {
      t.ws.close();
      await t.closed;
    }
  });
});
