import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Network faults between process tasks on the loopback. A task's outgoing packets carry no address
 * of its own (the kernel picks 127.0.0.1 as the source of any 127/8 connection), so the sending side
 * is named by the task's cgroup (`-m cgroup --path`, the v2 directory the process driver puts every
 * task in) and the receiving side by its virtual node's address and the ports its task holds. So a
 * rule can only ever match a packet from one of the fault's tasks to another of its tasks: traffic
 * of other tasks, tenants or programs on the same addresses is never touched.
 */

/** One side of a rule: a sending task (its cgroup path) or a receiving one (its address and ports). */
export interface Endpoint {
  task: string;
  /** The task's v2 cgroup path, relative to the hierarchy's root; null while it does not run. */
  cgroup: string | null;
  host: string;
  ports: number[];
}

/** A directed pair of tasks whose packets the fault drops, thins out or redirects. */
export interface Pair {
  from: Endpoint;
  to: Endpoint;
}

export type NetAction =
  | { kind: 'drop' }
  | { kind: 'loss'; probability: number }
  /** nat: the pair's TCP to one target port goes to a local proxy port (`proxyPort(to, port)`). */
  | { kind: 'redirect'; proxyPort: (to: Endpoint, port: number) => number | undefined }
  /** mangle: the pair's connections are marked, and their packets classified: `toward` and `back`. */
  | { kind: 'classify'; mark: number; toward: string; back: string };

/** The bits of a connection's mark a bandwidth fault uses (its htb class minor, shifted left 16). */
export const MARK_MASK = 0xffff0000;
const hex = (n: number) => `0x${n.toString(16)}`;

const ADDRESS = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const CGROUP_PATH = /^[A-Za-z0-9_.\-/]+$/;

/** The chain's rules as iptables-restore reads them (`*filter` for drop and loss, `*nat` for redirect). */
export function chainRules(chain: string, pairs: Pair[], action: NetAction): string {
  const table = action.kind === 'redirect' ? 'nat' : action.kind === 'classify' ? 'mangle' : 'filter';
  const lines = [`*${table}`, `:${chain} - [0:0]`, `-F ${chain}`];
  for (const { from, to } of pairs) {
    if (!from.cgroup || !CGROUP_PATH.test(from.cgroup) || !ADDRESS.test(to.host)) continue;
    const ports = [...new Set(to.ports)]
      .filter((p) => Number.isInteger(p) && p > 0 && p < 65536)
      .sort((a, b) => a - b);
    if (ports.length === 0) continue;
    const match = `-m cgroup --path ${from.cgroup} -d ${to.host}/32`;
    if (action.kind === 'redirect') {
      for (const port of ports) {
        const local = action.proxyPort(to, port);
        if (local !== undefined)
          lines.push(`-A ${chain} -p tcp ${match} --dport ${port} -j REDIRECT --to-ports ${local}`);
      }
      continue;
    }
    const verdict =
      action.kind === 'loss'
        ? `-m statistic --mode random --probability ${action.probability.toFixed(4)} -j DROP`
        : action.kind === 'classify'
          ? // The connection is marked by a packet of the sender; the last rules classify all of it.
            `-j CONNMARK --set-xmark ${hex(action.mark)}/${hex(MARK_MASK)}`
          : '-j DROP';
    for (const protocol of ['tcp', 'udp'])
      for (let i = 0; i < ports.length; i += 15)
        lines.push(
          `-A ${chain} -p ${protocol} ${match} -m multiport --dports ${ports.slice(i, i + 15).join(',')} ${verdict}`,
        );
  }
  if (action.kind === 'classify') {
    const m = `-m connmark --mark ${hex(action.mark)}/${hex(MARK_MASK)} -m conntrack --ctdir`;
    // Both directions of a marked connection, each to its class: the replies too (to 127.0.0.1).
    lines.push(`-A ${chain} ${m} ORIGINAL -j CLASSIFY --set-class ${action.toward}`);
    lines.push(`-A ${chain} ${m} REPLY -j CLASSIFY --set-class ${action.back}`);
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** The table a rules text is for. */
export function tableOf(rules: string): 'filter' | 'nat' | 'mangle' {
  return rules.startsWith('*nat') ? 'nat' : rules.startsWith('*mangle') ? 'mangle' : 'filter';
}

/** Writes the chain whole (atomically) and makes sure OUTPUT jumps to it for loopback traffic. */
export function applyChain(chain: string, rules: string): void {
  const table = tableOf(rules);
  execFileSync('iptables-restore', ['-w', '--noflush'], { input: rules, stdio: ['pipe', 'ignore', 'pipe'] });
  const jump = ['-t', table, '-C', 'OUTPUT', '-o', 'lo', '-j', chain];
  if (spawnSync('iptables', ['-w', ...jump], { stdio: 'ignore' }).status !== 0)
    execFileSync('iptables', ['-w', '-t', table, '-I', 'OUTPUT', '1', '-o', 'lo', '-j', chain], {
      stdio: 'pipe',
    });
}

/** Every table a fault's chain may be in: filter (drop, loss), nat (delay), mangle (bandwidth). */
export const TABLES = ['filter', 'nat', 'mangle'];

/** The jump and the chain go, in every table; safe when they are gone already. */
export function removeChain(chain: string): void {
  for (const table of TABLES) {
    while (
      spawnSync('iptables', ['-w', '-t', table, '-D', 'OUTPUT', '-o', 'lo', '-j', chain], { stdio: 'ignore' })
        .status === 0
    );
    spawnSync('iptables', ['-w', '-t', table, '-F', chain], { stdio: 'ignore' });
    spawnSync('iptables', ['-w', '-t', table, '-X', chain], { stdio: 'ignore' });
  }
}

/** Chains in any table whose names start with `prefix` (a home's leftovers). */
export function chainsWithPrefix(prefix: string): string[] {
  const found = new Set<string>();
  for (const table of TABLES) {
    const out = spawnSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' });
    if (out.status !== 0) continue;
    for (const line of out.stdout.split('\n')) {
      const m = /^-N (\S+)$/.exec(line);
      if (m?.[1]?.startsWith(prefix)) found.add(m[1]);
    }
  }
  return [...found];
}

export interface NetfilterFeatures {
  cgroup: boolean;
  statistic: boolean;
  redirect: boolean;
  /** mangle CONNMARK, conntrack --ctdir and CLASSIFY (bandwidth). */
  classify: boolean;
}

let probed: Promise<NetfilterFeatures> | undefined;

/**
 * Whether iptables here has what a kind needs: the cgroup match, statistic, nat REDIRECT. Asked once
 * per daemon (a kernel's matches do not come and go) and without blocking: a dozen iptables runs take
 * over 100 ms, which `doctor` must not hold every other request up for.
 */
export function probeNetfilter(chain: string): Promise<NetfilterFeatures> {
  probed ??= (async () => {
    const iptables = (args: string[]) =>
      run('iptables', ['-w', ...args]).then(
        () => true,
        () => false,
      );
    const tryRule = async (table: string, rule: string[]): Promise<boolean> => {
      await iptables(['-t', table, '-N', chain]);
      const ok = await iptables(['-t', table, '-A', chain, ...rule]);
      await iptables(['-t', table, '-F', chain]);
      await iptables(['-t', table, '-X', chain]);
      return ok;
    };
    const target = ['-d', '127.255.255.254/32'];
    return {
      cgroup: await tryRule('filter', ['-m', 'cgroup', '--path', '/', ...target, '-j', 'DROP']),
      statistic: await tryRule('filter', [
        ...target,
        ...['-m', 'statistic', '--mode', 'random', '--probability', '0.5', '-j', 'DROP'],
      ]),
      redirect: await tryRule('nat', [...target, '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', '9']),
      classify:
        (await tryRule('mangle', [...target, '-j', 'CONNMARK', '--set-xmark', '0x10000/0xffff0000'])) &&
        (await tryRule('mangle', [
          ...[...target, '-m', 'conntrack', '--ctdir', 'REPLY', '-j', 'CLASSIFY'],
          ...['--set-class', 'f10:1'],
        ])),
    };
  })();
  return probed;
}
