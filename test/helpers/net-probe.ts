import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * A real client run from inside a task's cgroup, so that the kernel sees its packets as the task's
 * (network faults name the sending task by its cgroup): Redis PINGs timed one by one, or plain
 * connection attempts counted. Asynchronous: the daemon under test (and its delay proxy) may run in
 * this very process.
 */
const PY = `
import json, socket, sys, time
mode, host, port, password, n, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), float(sys.argv[6])
if mode == 'connect':
    ok = 0
    for _ in range(n):
        try:
            socket.create_connection((host, port), timeout=timeout).close(); ok += 1
        except OSError:
            pass
    print(json.dumps({'ok': ok, 'n': n}))
elif mode == 'transfer':
    # One SET of n bytes, timed from its first byte to the +OK: what the link carried, per second.
    s = socket.create_connection((host, port), timeout=timeout); s.settimeout(timeout)
    if password:
        s.sendall(b'*2\\r\\n$4\\r\\nAUTH\\r\\n$%d\\r\\n%s\\r\\n' % (len(password), password.encode())); s.recv(4096)
    payload = b'*3\\r\\n$3\\r\\nSET\\r\\n$8\\r\\ntransfer\\r\\n$%d\\r\\n' % n + b'x' * n + b'\\r\\n'
    t = time.perf_counter(); s.sendall(payload); r = s.recv(4096); dt = time.perf_counter() - t
    assert r.startswith(b'+OK'), r
    print(json.dumps({'seconds': dt, 'bytes': len(payload)}))
else:
    try:
        s = socket.create_connection((host, port), timeout=timeout); s.settimeout(timeout)
        def call(*args):
            s.sendall(b''.join([b'*%d\\r\\n' % len(args)] + [b'$%d\\r\\n%s\\r\\n' % (len(a), a.encode()) for a in args]))
            return s.recv(4096)
        if password: call('AUTH', password)
        rtts = []
        for _ in range(n):
            t = time.perf_counter(); r = call('PING'); rtts.append((time.perf_counter() - t) * 1000)
            assert r.startswith(b'+PONG'), r
        print(json.dumps({'rtts': rtts}))
    except OSError as e:
        print(json.dumps({'error': str(e)}))
`;

function procsFileOf(pid: number): string {
  const rel = fs
    .readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'))!
    .slice(3);
  const mount = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.includes(' - cgroup2 '))!
    .split(' ')[4]!;
  return path.join(mount, rel, 'cgroup.procs');
}

/**
 * Where a probe runs: in the cgroup of process task `pid`, in the network namespace of container task
 * `netns` (its packets leave from the container's address), or from the test itself (null).
 */
export type ProbeFrom = number | { netns: number } | null;

async function run(from: ProbeFrom, args: string[]): Promise<unknown> {
  const argv = ['python3', '-c', PY, ...args];
  const [command, ...rest] =
    from === null
      ? argv
      : typeof from === 'number'
        ? ['sh', '-c', 'echo $$ > "$1" && shift && exec "$@"', 'sh', procsFileOf(from), ...argv]
        : ['nsenter', '--target', String(from.netns), '--net', ...argv];
  const { stdout } = await promisify(execFile)(command!, rest, { encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/** Round trips (ms) of `n` Redis PINGs from `from` (a task's cgroup or namespace, or the test). */
export async function redisPings(
  from: ProbeFrom,
  addr: { host: string; port: number },
  password: string,
  n: number,
): Promise<{ rtts?: number[]; error?: string }> {
  return (await run(from, ['ping', addr.host, String(addr.port), password, String(n), '3'])) as {
    rtts?: number[];
    error?: string;
  };
}

/** How many of `n` connection attempts (each given `timeoutS`) succeed from `from`. */
export async function connects(
  from: ProbeFrom,
  addr: { host: string; port: number },
  n: number,
  timeoutS: number,
): Promise<number> {
  const out = await run(from, ['connect', addr.host, String(addr.port), '', String(n), String(timeoutS)]);
  return (out as { ok: number }).ok;
}

/** One Redis SET of `bytes` from `from`, timed: kbit/s. */
export async function redisTransferKbit(
  from: ProbeFrom,
  addr: { host: string; port: number },
  password: string,
  bytes: number,
): Promise<number> {
  const out = (await run(from, [
    'transfer',
    addr.host,
    String(addr.port),
    password,
    String(bytes),
    '60',
  ])) as {
    seconds: number;
    bytes: number;
  };
  return (out.bytes * 8) / out.seconds / 1000;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The first line a TCP server sends on connecting, or null when nothing answers (or no line comes). */
export function firstLine(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let data = '';
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (chunk) => (data += String(chunk)));
    socket.on('error', () => resolve(null));
    socket.on('close', () => resolve(data.includes('\n') ? data.split('\n')[0]! : null));
  });
}
