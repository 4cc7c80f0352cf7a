import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Network faults between containers (the Docker driver). The containers of a stack talk over the
 * stack's bridge network, each from its own network namespace and address, so a fault's rules go
 * into the namespace of each sending container (its OUTPUT chain) and match the receiving
 * container's address: only packets from one of the fault's containers to another are dropped. The
 * host's tables, other containers and other tenants are never touched. A relaunched container has a
 * new namespace, without the rules: the fault writes them into it again, as it follows a process
 * task's new cgroup.
 */

/** What a container fault drops: every packet to the peers, or a random share of them. */
export type ContainerAction = { kind: 'drop' } | { kind: 'loss'; probability: number };

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;

/** The chain's rules for one sender's namespace, as iptables-restore reads them. */
export function containerRules(chain: string, peers: string[], action: ContainerAction): string {
  const verdict =
    action.kind === 'loss'
      ? `-m statistic --mode random --probability ${action.probability.toFixed(4)} -j DROP`
      : '-j DROP';
  const lines = [`*filter`, `:${chain} - [0:0]`, `-F ${chain}`];
  for (const peer of [...new Set(peers)].filter((a) => IPV4.test(a)).sort())
    lines.push(`-A ${chain} -d ${peer}/32 ${verdict}`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** A command run in the network namespace of `pid` (a container's init, seen from the host). */
const inNetns = (pid: number, command: string[]) => ['--target', String(pid), '--net', ...command];

/** The container's own addresses on its networks (not loopback); none when it is gone. */
export function netnsAddresses(pid: number): string[] {
  const out = spawnSync('nsenter', inNetns(pid, ['ip', '-4', '-o', 'addr', 'show', 'scope', 'global']), {
    encoding: 'utf8',
  });
  if (out.status !== 0) return [];
  return [...out.stdout.matchAll(/\sinet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!);
}

/** Writes the chain whole (atomically) in the namespace, and makes sure its OUTPUT jumps to it. */
export function applyInNetns(pid: number, chain: string, rules: string): void {
  execFileSync('nsenter', inNetns(pid, ['iptables-restore', '-w', '--noflush']), {
    input: rules,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const jump = (op: string) =>
    inNetns(pid, ['iptables', '-w', op, 'OUTPUT', ...(op === '-I' ? ['1'] : []), '-j', chain]);
  if (spawnSync('nsenter', jump('-C'), { stdio: 'ignore' }).status !== 0)
    execFileSync('nsenter', jump('-I'), { stdio: 'pipe' });
}

/** The jump and the chain go from the namespace; safe when they, or the container, are gone. */
export function removeInNetns(pid: number, chain: string): void {
  const iptables = (...args: string[]) =>
    spawnSync('nsenter', inNetns(pid, ['iptables', '-w', ...args]), { stdio: 'ignore' }).status === 0;
  while (iptables('-D', 'OUTPUT', '-j', chain));
  iptables('-F', chain);
  iptables('-X', chain);
}

/** Chains in the namespace whose names start with `prefix` (what a killed daemon left). */
export function chainsInNetns(pid: number, prefix: string): string[] {
  const out = spawnSync('nsenter', inNetns(pid, ['iptables', '-w', '-S']), { encoding: 'utf8' });
  if (out.status !== 0) return [];
  return out.stdout
    .split('\n')
    .map((line) => /^-N (\S+)$/.exec(line)?.[1])
    .filter((c): c is string => c !== undefined && c.startsWith(prefix));
}
