#!/usr/bin/env node
// What a test run leaves behind on the machine, compared with what was there before it:
//
//   node scripts/leftovers.mjs snapshot   before the tests (writes $TMPDIR/flotilla-ci-before.json)
//   node scripts/leftovers.mjs check      after them: prints each leftover; exits 1 on a process or container
//
// A leftover is a tenant user or group (`flt-*`), a firewall chain (`FLT-*`, a fault's `FLTF-*`), a container or volume
// labelled by a Flotilla daemon, an image that was not there, or a process that runs as a tenant's user or out of a test's home
// (`$TMPDIR/flotilla-*`). Every test cleans up after itself; this is the run-wide proof that it did.
import { execFileSync, spawnSync } from 'node:child_process';
import console from 'node:console';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

const STATE = path.join(os.tmpdir(), 'flotilla-ci-before.json');
const TMP = `${os.tmpdir()}/flotilla-`;
const UIDS = [200_000, 299_999];

function lines(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

function users() {
  const names = (file) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.split(':')[0])
      .filter((n) => n?.startsWith('flt-'));
  return [...names('/etc/passwd').map((n) => `user ${n}`), ...names('/etc/group').map((n) => `group ${n}`)];
}

function chains() {
  // FLTF-*: a fault's chain (src/faults), in filter or, for a delay, in nat.
  return ['filter', 'nat'].flatMap((table) =>
    lines('iptables', ['-w', '-t', table, '-S'])
      .map((l) => /^-N (FLTF?-\S+)/.exec(l)?.[1])
      .filter(Boolean)
      .map((c) => `iptables ${table} chain ${c}`),
  );
}

function docker() {
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) return [];
  const label = 'label=io.flotilla.daemon';
  return [
    ...lines('docker', ['ps', '-a', '--filter', label, '--format', '{{.Names}}']).map(
      (n) => `container ${n}`,
    ),
    ...lines('docker', ['volume', 'ls', '--filter', label, '--format', '{{.Name}}']).map(
      (n) => `volume ${n}`,
    ),
    // Images a test built or pulled (a loopback registry's) and did not remove.
    ...lines('docker', ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']).map((n) => `image ${n}`),
  ];
}

function processes() {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (!cmd) continue;
      if ((uid >= UIDS[0] && uid <= UIDS[1]) || cmd.includes(TMP) || cwd.startsWith(TMP))
        found.push(`process ${pid} (uid ${uid}): ${cmd.slice(0, 160)}`);
    } catch {
      // Gone meanwhile, or a kernel thread.
    }
  }
  return found;
}

/** Port reservations every home on the machine shares (FLOTILLA_PORT_RESERVATIONS' default). */
function ports() {
  const dir = path.join(os.tmpdir(), 'flotilla-ports');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => `port reservation ${f}`) : [];
}

/** What a tenant's JVM leaves in the temp dir as its user (removed with the user). */
function jvmFolders() {
  return fs
    .readdirSync(os.tmpdir())
    .filter((f) => f.startsWith('hsperfdata_flt-'))
    .map((f) => `folder ${path.join(os.tmpdir(), f)}`);
}

const now = () => [...jvmFolders(), ...users(), ...chains(), ...docker(), ...processes(), ...ports()];

const mode = process.argv[2];
if (mode === 'snapshot') {
  fs.writeFileSync(STATE, JSON.stringify(now()));
  console.log(`leftovers: snapshot of what was there before the tests (${STATE})`);
} else if (mode === 'check') {
  const before = new Set(fs.existsSync(STATE) ? JSON.parse(fs.readFileSync(STATE, 'utf8')) : []);
  // Processes are given a moment: a task's last children may still be on their way out.
  let left = now().filter((x) => !before.has(x));
  if (left.some((x) => x.startsWith('process '))) {
    execFileSync('sleep', ['3']);
    left = now().filter((x) => !before.has(x));
  }
  // A process or a container still running fails the run. A user, chain, volume, image, reservation
  // or folder is listed: one such leak (a tenant user and its chain) is not yet traced to its test.
  const fatal = left.filter((x) => x.startsWith('process ') || x.startsWith('container '));
  if (left.length === 0) {
    console.log('leftovers: none');
  } else {
    console.error(`leftovers: the test run left ${left.length} thing(s) behind:`);
    for (const x of left) console.error(`  ${x}`);
    if (fatal.length > 0) process.exit(1);
  }
} else {
  console.error('usage: node scripts/leftovers.mjs snapshot|check');
  process.exit(2);
}
