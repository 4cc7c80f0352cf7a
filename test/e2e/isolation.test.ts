import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlotillaClient } from '../../src/client/client.js';
import { isFlotillaError } from '../../src/core/errors.js';
import { homeIdOf } from '../../src/isolation/identity.js';
import { startInProcessDaemon, type InProcessDaemon } from '../helpers/daemon.js';
import { adminToken, waitFor } from '../helpers/flotilla.js';

const root = process.getuid?.() === 0;

/** Tenant A's Redis (with a password) and one Kafka broker; B gets its own Redis. */
const A_STACK = `
name: a
services:
  cache: { package: redis, options: { replicas: 0, password: alpha-secret-pw } }
  events: { package: kafka, version: '4.3.1', options: { brokers: 1 } }
`;

/**
 * Tenant B, with a tenant-admin token, posts an app that tries to get at everything of A's and of the
 * daemon's, and reports each attempt on a line of its own: `<name>: <what the task saw>`. Nothing
 * here reaches a shell from Flotilla: the script is the app's own `cmd`, as any tenant could write.
 */
function attackScript(
  home: string,
  a: {
    redisPid: number;
    redisAddr: string;
    kafkaAddr: string;
    hiddenAddr: string;
    dns: string;
    conf: string;
  },
) {
  const [rh, rp] = a.redisAddr.split(':');
  const [kh, kp] = a.kafkaAddr.split(':');
  const [dh, dp] = a.dns.split(':');
  const [hh, hp] = a.hiddenAddr.split(':');
  // Python probes travel base64-encoded: no quoting between the test, the shell and Python.
  const py = (code: string) =>
    `echo ${Buffer.from(code).toString('base64')} | base64 -d | /usr/bin/python3 - 2>&1 | tail -1`;
  const connect = (h: string, p: string) =>
    py(
      `import socket\ntry:\n  socket.create_connection(('${h}', ${p}), timeout=3); print('connected')\n` +
        `except OSError as e:\n  print(e.strerror)\n`,
    );
  // A query for cache.a.flotilla, by hand: one A record, recursion desired.
  const dns = py(
    `import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3); s.connect(('${dh}', ${dp}))\n` +
      `q = bytes([0,1,1,0,0,1,0,0,0,0,0,0,5]) + b'cache' + bytes([1]) + b'a' + bytes([8]) + b'flotilla' + bytes([0,0,1,0,1])\n` +
      `try:\n  s.send(q); s.recv(512); print('answered')\nexcept OSError as e:\n  print(e.strerror or e)\n`,
  );
  const lines: [string, string][] = [
    ['id', 'id -u'],
    ['nnp', "grep NoNewPrivs /proc/self/status | tr -d '\\t '"],
    ['capbnd', "grep CapBnd /proc/self/status | tr -d '\\t '"],
    ['admin-token', `cat ${home}/admin.token 2>&1 | head -c 80`],
    ['database', `cat ${home}/state/flotilla.db 2>&1 | head -c 80`],
    ['list-home', `ls ${home} 2>&1`],
    ['list-a-data', `ls ${home}/data/a 2>&1`],
    ['list-a-sandbox', `ls ${home}/sandboxes/a 2>&1`],
    ['read-a-log', `cat ${home}/sandboxes/a/cache/redis-0/logs/stdout 2>&1 | head -c 200`],
    ['read-a-config', `cat ${a.conf} 2>&1 | head -c 200`],
    ['write-a-data', `touch ${home}/data/a/planted 2>&1`],
    ['kill-a', `kill -9 ${a.redisPid} 2>&1`],
    ['redis-a', connect(rh!, rp!)],
    ['kafka-a', connect(kh!, kp!)],
    ['hidden-a', connect(hh!, hp!)],
    ['dns-a', dns],
    ['su', 'su -c id root </dev/null 2>&1 | head -1'],
    ['mount', 'mount -t tmpfs none /mnt 2>&1 | head -1'],
    ['own-data', 'echo mine > "$FLOTILLA_DATA/b.txt" && cat "$FLOTILLA_DATA/b.txt"'],
    ['own-redis', 'redis-cli -u "$B_REDIS" --no-auth-warning ping 2>&1'],
  ];
  return lines.map(([name, cmd]) => `echo "${name}: $(${cmd})"`).join('; ') + '; echo done; exec sleep 600';
}

describe('tenants isolated at the operating-system level', { skip: !root && 'needs a root daemon' }, () => {
  let d: InProcessDaemon;
  let a: FlotillaClient;
  let b: FlotillaClient;
  let aPids: number[] = [];
  let report: Map<string, string>;

  before(async () => {
    d = await startInProcessDaemon('isolation', 47000);
    const mint = async (tenant: string) => {
      await d.admin.createTenant({ name: tenant });
      const t = await new FlotillaClient(d.daemon.info.address, {
        token: adminToken(d.home),
        tenant,
      }).createToken('tenant-admin', 'isolation test');
      return new FlotillaClient(d.daemon.info.address, { token: t.token });
    };
    a = await mint('a');
    b = await mint('b');
    await a.applyStack('a', A_STACK);
    await b.applyStack(
      'b',
      'name: b\nservices:\n  mine: { package: redis, options: { replicas: 0, password: beta-pw } }\n',
    );
    await waitFor(async () => (await a.getStack('a')).status === 'ready', 240_000, "A's stack");
    await waitFor(async () => (await b.getStack('b')).status === 'ready', 60_000, "B's stack");
    // A port Flotilla never handed out: A's app binds one of the kernel's choosing and says which.
    await a.addApp({
      id: 'hidden',
      cpus: 0.1,
      mem: 64,
      cmd:
        "exec /usr/bin/python3 -u -c \"import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); " +
        "s.listen(); print('port', s.getsockname()[1]); time.sleep(600)\"",
    });
    const hiddenPort = await waitFor(
      async () => /port (\d+)/.exec(await a.logs('hidden.0'))?.[1] ?? null,
      30_000,
      "A's hidden port",
    );
    // The daemon finds it in the kernel's socket table within a second, and closes it to others.
    await waitFor(
      () =>
        execFileSync('iptables', ['-S', `FLT-${homeIdOf(d.home)}`], { encoding: 'utf8' }).includes(
          `--dports ${hiddenPort} `,
        ),
      10_000,
      "a rule for A's hidden port",
    );
    const aTasks = await a.listTasks();
    aPids = aTasks.map((t) => t.pid!);
    const redis = aTasks.find((t) => t.id === 'cache.redis-0')!;
    const kafka = aTasks.find((t) => t.owner === 'events')!;
    const conf = fs
      .readdirSync(redis.sandbox, { recursive: true })
      .map(String)
      .find((f) => f.endsWith('.conf'))!;
    const tenants = await d.admin.listTenants();
    const script = attackScript(d.home, {
      redisPid: redis.pid!,
      redisAddr: `${redis.host}:${redis.ports[0]}`,
      kafkaAddr: `${kafka.host}:${kafka.ports[0]}`,
      hiddenAddr: `127.0.0.1:${hiddenPort}`,
      dns: tenants.find((t) => t.name === 'a')!.dns!,
      conf: path.join(redis.sandbox, conf),
    });
    await b.addApp({ id: 'probe', cmd: script, cpus: 0.1, mem: 64, env: { B_REDIS: '${mine.url}' } });
    const log = await waitFor(
      async () => {
        const text = await b.logs('probe.0');
        return text.includes('done') ? text : null;
      },
      60_000,
      "the probe's report",
    );
    report = new Map(
      log
        .split('\n')
        .map((l) => /^([a-z-]+): (.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1]!, m[2]!]),
    );
  });
  after(async () => {
    await d.stop();
    assert.equal(
      fs.readFileSync('/etc/passwd', 'utf8').includes(`-${homeIdOf(d.home)}:`),
      false,
      'no user left',
    );
    assert.doesNotMatch(
      execFileSync('iptables', ['-S'], { encoding: 'utf8' }),
      new RegExp(`FLT-${homeIdOf(d.home)}`),
    );
  });

  const saw = (name: string) => report.get(name) ?? `(no line ${name})`;

  it("runs B's task as B's own user, with no privilege to regain", () => {
    const uid = Number(saw('id'));
    assert.ok(uid >= 200_000 && uid <= 299_999, `uid ${uid} in the tenants' range`);
    const passwd = fs.readFileSync('/etc/passwd', 'utf8');
    assert.match(passwd, new RegExp(`^flt-b-${homeIdOf(d.home)}:x:${uid}:${uid}:`, 'm'));
    assert.equal(saw('nnp'), 'NoNewPrivs:1');
    assert.equal(saw('capbnd'), 'CapBnd:0000000000000000');
    // ps shows A's task processes under A's user.
    const aUid = new RegExp(`^flt-a-${homeIdOf(d.home)}:x:(\\d+):`, 'm').exec(passwd)![1];
    const ps = execFileSync('ps', ['-o', 'uid=', '-p', aPids.join(',')], { encoding: 'utf8' });
    assert.deepEqual([...new Set(ps.trim().split(/\s+/))], [aUid]);
  });

  it("reads nothing of the daemon's: no token, no database, no listing of the home", () => {
    for (const name of ['admin-token', 'database', 'list-home'])
      assert.match(saw(name), /Permission denied/, name);
    assert.doesNotMatch([...report.values()].join('\n'), /flt_[0-9a-f]{8}/, 'no token anywhere');
  });

  it("reads, lists and writes nothing of A's: data, sandbox, logs, the Redis password", () => {
    for (const name of ['list-a-data', 'list-a-sandbox', 'read-a-log', 'read-a-config', 'write-a-data'])
      assert.match(saw(name), /Permission denied/, name);
    assert.doesNotMatch([...report.values()].join('\n'), /alpha-secret-pw/);
  });

  it("signals none of A's processes, which keep running with the same pids", async () => {
    assert.match(saw('kill-a'), /Operation not permitted/);
    assert.deepEqual(
      (await a.listTasks()).map((t) => t.pid),
      aPids,
    );
  });

  it("connects to none of A's ports, and A's DNS server does not answer it", () => {
    assert.equal(saw('redis-a'), 'Connection refused');
    assert.equal(saw('kafka-a'), 'Connection refused');
    assert.equal(saw('hidden-a'), 'Connection refused', 'a port Flotilla did not hand out');
    // A UDP datagram rejected on its way out fails at send(), with EPERM.
    assert.equal(saw('dns-a'), 'Operation not permitted');
  });

  it('gains nothing from setuid programs', () => {
    assert.match(
      saw('su'),
      /Authentication failure|must be run from a terminal|Permission denied|not permitted/i,
    );
    assert.match(saw('mount'), /must be superuser|only root|Permission denied|not permitted/i);
  });

  it('still has everything of its own: its data folder, its Redis', () => {
    assert.equal(saw('own-data'), 'mine');
    assert.equal(saw('own-redis'), 'PONG');
  });

  it("runs B's containers as B's user too, with no capability, writing its own volume", async () => {
    const source =
      'services:\n  box:\n    image: flotilla/base:bookworm\n    volumes: [store:/vol]\n' +
      '    command: [sh, -c, "echo uid $(id -u); grep CapEff /proc/self/status; ' +
      'echo x > /vol/x && echo wrote; exec sleep 600"]\nvolumes:\n  store: {}\n';
    await b.applyStack('boxes', source);
    const log = await waitFor(
      async () => {
        const text = await b.logs('box.1').catch(() => '');
        return text.includes('wrote') ? text : null;
      },
      120_000,
      "the container's report",
    );
    const bUid = new RegExp(`^flt-b-${homeIdOf(d.home)}:x:(\\d+):`, 'm').exec(
      fs.readFileSync('/etc/passwd', 'utf8'),
    )![1];
    assert.match(log, new RegExp(`^uid ${bUid}$`, 'm'));
    assert.match(log, /^CapEff:\s+0000000000000000$/m);
    const pid = (await b.listTasks()).find((t) => t.owner === 'box')?.pid;
    assert.ok(pid, 'the container has a pid');
    assert.equal(execFileSync('ps', ['-o', 'uid=', '-p', String(pid)], { encoding: 'utf8' }).trim(), bUid);
  });

  it('may not use the Compose keys that reach outside a tenant', async () => {
    for (const [key, value] of [
      ['privileged', 'true'],
      ['cap_add', '[SYS_ADMIN]'],
      ['devices', '["/dev/sda:/dev/sda"]'],
      ['network_mode', 'host'],
      ['pid', 'host'],
      ['ipc', 'host'],
      ['userns_mode', 'host'],
      ['security_opt', '["seccomp=unconfined"]'],
    ]) {
      const source = `services:\n  box:\n    image: flotilla/base:bookworm\n    ${key}: ${value}\n`;
      const err = await b.applyStack('box', source).catch((e: unknown) => e);
      assert.ok(isFlotillaError(err) && err.code === 'SECURITY_REFUSED', `${key}: ${String(err)}`);
      assert.match((err as Error).message, new RegExp(`services\\.box\\.${key}`));
    }
    assert.deepEqual((await b.listStacks()).map((s) => s.name).sort(), ['b', 'boxes'], 'nothing was stored');
  });

  it('removes a tenant with its user, its folders and its rules', async () => {
    await d.admin.createTenant({ name: 'gone' });
    const name = `flt-gone-${homeIdOf(d.home)}`;
    assert.match(fs.readFileSync('/etc/passwd', 'utf8'), new RegExp(`^${name}:`, 'm'));
    assert.ok(fs.existsSync(path.join(d.home, 'data', 'gone')));
    const owner = fs.statSync(path.join(d.home, 'data', 'gone'));
    assert.equal(owner.mode & 0o777, 0o700);
    await d.admin.removeTenant('gone');
    assert.doesNotMatch(fs.readFileSync('/etc/passwd', 'utf8'), new RegExp(`^${name}:`, 'm'));
    assert.doesNotMatch(fs.readFileSync('/etc/group', 'utf8'), new RegExp(`^${name}:`, 'm'));
    assert.equal(fs.existsSync(path.join(d.home, 'data', 'gone')), false);
    const rules = execFileSync('iptables', ['-S', `FLT-${homeIdOf(d.home)}`], { encoding: 'utf8' });
    // Not `\b`: the first uid of the range would match the range rule (`--uid-owner 200000-299999`).
    assert.doesNotMatch(rules, new RegExp(`--uid-owner ${owner.uid}(?![\\d-])`));
  });
});
