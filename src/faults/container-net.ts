import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { TABLES, tableOf } from './netfilter.js';
import { hasOurRoot, htbClassArgs, ourClassIds, ROOT_MAJOR } from './shaping.js';

/**
 * Network faults between containers (the Docker driver). The containers of a stack talk over the
 * stack's bridge network, each from its own network namespace and address, so a fault's rules go
 * into the namespace of each sending container (its OUTPUT chain) and match the receiving
 * container's address: only packets from one of the fault's containers to another are touched. The
 * host's tables, other containers and other tenants are never touched. A relaunched container has a
 * new namespace, without the rules: the fault writes them into it again, as it follows a process
 * task's new cgroup.
 *
 * - partition, isolate: filter `DROP`; loss: filter `statistic --mode random`;
 * - bandwidth: an htb class of the fault's own on the sender's interface (under a root qdisc of
 *   Flotilla's, the namespace's own), and mangle `CLASSIFY` of what goes to the peers into it;
 * - delay: nat `DNAT` of TCP to each listening port of a peer to the daemon's delay proxy, on the
 *   host's address on the bridge (the sender's gateway).
 */

/** What a container fault does to the packets a sender sends its peers. */
export type ContainerAction =
  | { kind: 'drop' }
  | { kind: 'loss'; probability: number }
  /** TCP to a peer's port goes to `via(peer, port)` (address:port of the delay proxy), if it names one. */
  | { kind: 'dnat'; via: (peer: string, port: number) => string | undefined }
  | { kind: 'classify'; classid: string };

/** A receiving container: its address, and (for a delay) the TCP ports it listens on. */
export interface Peer {
  address: string;
  ports: number[];
}

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const VIA = /^(?:\d{1,3}\.){3}\d{1,3}:\d{1,5}$/;

/** The chain's rules for one sender's namespace, as iptables-restore reads them. */
export function containerRules(chain: string, peers: Peer[], action: ContainerAction): string {
  const table = action.kind === 'dnat' ? 'nat' : action.kind === 'classify' ? 'mangle' : 'filter';
  const lines = [`*${table}`, `:${chain} - [0:0]`, `-F ${chain}`];
  const byAddress = new Map<string, Set<number>>();
  for (const p of peers.filter((x) => IPV4.test(x.address))) {
    const ports = byAddress.get(p.address) ?? new Set<number>();
    for (const port of p.ports) if (Number.isInteger(port) && port > 0 && port < 65536) ports.add(port);
    byAddress.set(p.address, ports);
  }
  for (const [address, ports] of [...byAddress].sort(([a], [b]) => a.localeCompare(b))) {
    const to = `-d ${address}/32`;
    if (action.kind === 'dnat') {
      for (const port of [...ports].sort((a, b) => a - b)) {
        const via = action.via(address, port);
        if (via !== undefined && VIA.test(via))
          lines.push(`-A ${chain} -p tcp ${to} --dport ${port} -j DNAT --to-destination ${via}`);
      }
    } else if (action.kind === 'classify')
      lines.push(`-A ${chain} ${to} -j CLASSIFY --set-class ${action.classid}`);
    else if (action.kind === 'loss')
      lines.push(
        `-A ${chain} ${to} -m statistic --mode random --probability ${action.probability.toFixed(4)} -j DROP`,
      );
    else lines.push(`-A ${chain} ${to} -j DROP`);
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** A command run in the network namespace of `pid` (a container's init, seen from the host). */
const inNetns = (pid: number, command: string[]) => ['--target', String(pid), '--net', ...command];

function netnsOutput(pid: number, command: string[]): string | null {
  const out = spawnSync('nsenter', inNetns(pid, command), { encoding: 'utf8' });
  return out.status === 0 ? out.stdout : null;
}

/** The container's own addresses on its networks (not loopback); none when it is gone. */
export function netnsAddresses(pid: number): string[] {
  const out = netnsOutput(pid, ['ip', '-4', '-o', 'addr', 'show', 'scope', 'global']) ?? '';
  return [...out.matchAll(/\sinet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!);
}

/** The container's default gateway: the host's address on its network's bridge; null if none. */
export function gatewayOf(pid: number): string | null {
  const out = netnsOutput(pid, ['ip', '-4', 'route', 'show', 'default']) ?? '';
  return /\bvia (\d+\.\d+\.\d+\.\d+)\b/.exec(out)?.[1] ?? null;
}

/** The interface the container sends to `address` from; null when it has no route there. */
export function deviceToward(pid: number, address: string): string | null {
  if (!IPV4.test(address)) return null;
  const out = netnsOutput(pid, ['ip', '-4', '-o', 'route', 'get', address]) ?? '';
  return /\bdev (\S+)/.exec(out)?.[1] ?? null;
}

/**
 * The TCP ports the container listens on, on an address other containers reach (not loopback):
 * read from the kernel's table of its namespace, as `/proc/<pid>/net/tcp` shows it from the host.
 */
export function listeningPorts(pid: number): number[] {
  const ports = new Set<number>();
  for (const file of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local) continue; // 0A: LISTEN
      const [address, port] = local.split(':');
      if (!isLoopback(address ?? '')) ports.add(parseInt(port!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** A kernel table's address (hex, each 32-bit word little-endian): 127/8, ::1 or ::ffff:127/104. */
function isLoopback(hex: string): boolean {
  if (hex.length === 8) return hex.endsWith('7F');
  return hex === '00000000000000000000000001000000' || /^0{16}FFFF0000[0-9A-F]{6}7F$/.test(hex);
}

/**
 * Writes the chains whole (atomically) in the namespace, and makes sure each hook jumps first to its
 * chain (by default: OUTPUT to `chain`).
 */
export function applyInNetns(
  pid: number,
  chain: string,
  rules: string,
  hooks: [hook: string, chain: string][] = [['OUTPUT', chain]],
): void {
  const table = tableOf(rules);
  execFileSync('nsenter', inNetns(pid, ['iptables-restore', '-w', '--noflush']), {
    input: rules,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  for (const [hook, target] of hooks) {
    const jump = (op: string) =>
      inNetns(pid, ['iptables', '-w', '-t', table, op, hook, ...(op === '-I' ? ['1'] : []), '-j', target]);
    if (spawnSync('nsenter', jump('-C'), { stdio: 'ignore' }).status !== 0)
      execFileSync('nsenter', jump('-I'), { stdio: 'pipe' });
  }
}

/** The jump and the chain go from the namespace, in every table; safe when they, or the container, are gone. */
export function removeInNetns(pid: number, chain: string, hooks: string[] = ['OUTPUT']): void {
  for (const table of TABLES) {
    const iptables = (...args: string[]) =>
      spawnSync('nsenter', inNetns(pid, ['iptables', '-w', '-t', table, ...args]), { stdio: 'ignore' })
        .status === 0;
    for (const hook of hooks) while (iptables('-D', hook, '-j', chain));
    iptables('-F', chain);
    iptables('-X', chain);
  }
}

/** Chains in any table of the namespace whose names start with `prefix` (what a killed daemon left). */
export function chainsInNetns(pid: number, prefix: string): string[] {
  const found = new Set<string>();
  for (const table of TABLES)
    for (const line of (netnsOutput(pid, ['iptables', '-w', '-t', table, '-S']) ?? '').split('\n')) {
      const chain = /^-N (\S+)$/.exec(line)?.[1];
      if (chain?.startsWith(prefix)) found.add(chain);
    }
  return [...found];
}

/** Flotilla's htb classes on the namespace's interface. */
function netnsClasses(pid: number, dev: string): string[] {
  return ourClassIds(netnsOutput(pid, ['tc', 'class', 'show', 'dev', dev]) ?? '');
}

/** Whether the namespace's interface has Flotilla's htb root. */
function netnsHasOurRoot(pid: number, dev: string): boolean {
  return hasOurRoot(netnsOutput(pid, ['tc', 'qdisc', 'show', 'dev', dev]) ?? '');
}

/**
 * The fault's class, limited to `rateKbit`, on the sender's interface; the root qdisc (Flotilla's,
 * `default 0`: what no rule classifies is never shaped) is added first where the interface has none.
 * A container's tasks hold no NET_ADMIN: nothing but Flotilla changes its qdiscs.
 */
export function addNetnsClass(pid: number, dev: string, classid: string, rateKbit: number): void {
  const tc = (args: string[]) =>
    execFileSync('nsenter', inNetns(pid, ['tc', ...args]), { stdio: ['ignore', 'ignore', 'pipe'] });
  if (!netnsHasOurRoot(pid, dev))
    tc(['qdisc', 'replace', 'dev', dev, 'root', 'handle', `${ROOT_MAJOR}:`, 'htb', 'default', '0']);
  if (!netnsClasses(pid, dev).includes(classid))
    tc([
      'class',
      'add',
      'dev',
      dev,
      'parent',
      `${ROOT_MAJOR}:`,
      'classid',
      classid,
      ...htbClassArgs(rateKbit),
    ]);
}

/** The class goes, and the root with the last of Flotilla's classes; safe when the container is gone. */
export function removeNetnsClass(pid: number, dev: string, classid: string | null): void {
  const tc = (args: string[]) => spawnSync('nsenter', inNetns(pid, ['tc', ...args]), { stdio: 'ignore' });
  if (classid !== null) tc(['class', 'del', 'dev', dev, 'classid', classid]);
  if ((classid === null || netnsClasses(pid, dev).length === 0) && netnsHasOurRoot(pid, dev))
    tc(['qdisc', 'del', 'dev', dev, 'root', 'handle', `${ROOT_MAJOR}:`]);
}

/** The interfaces of the namespace with Flotilla's root qdisc (what a killed daemon left). */
export function shapedDevices(pid: number): string[] {
  const out = netnsOutput(pid, ['tc', 'qdisc', 'show']) ?? '';
  return [...out.matchAll(new RegExp(`^qdisc htb ${ROOT_MAJOR}: dev (\\S+) root`, 'gm'))].map((m) => m[1]!);
}

/** `tc` as run in the namespace: what reads a class's counters there (shaping.ts classCounters). */
export function tcInNetns(pid: number): string[] {
  return ['nsenter', ...inNetns(pid, ['tc'])];
}
