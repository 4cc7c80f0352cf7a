import fs from 'node:fs';
import os from 'node:os';
import { mechanismOf } from './engine.js';
import { BLKIO_ROOT, hasBlkio } from './slow-disk.js';
import { fakeTimeLibrary } from './clock.js';
import { probeNetfilter } from './netfilter.js';
import { rootOfLo } from './shaping.js';

export interface FaultCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  warning?: boolean;
}

/** Which mechanism each fault kind uses on this host, and what it lacks (`flotilla doctor`). */
export async function faultChecks(): Promise<FaultCheck[]> {
  const root = process.getuid?.() === 0;
  const probe = root ? await probeNetfilter(`FLTF-probe-${process.pid % 100000}`) : null;
  const v2 =
    fs.existsSync('/sys/fs/cgroup/unified/cgroup.procs') || fs.existsSync('/sys/fs/cgroup/cgroup.procs');
  const netOk = probe !== null && probe.cgroup && v2;
  const why = !root
    ? 'the daemon does not run as root'
    : !v2
      ? 'no cgroup v2 hierarchy is mounted'
      : 'iptables lacks the cgroup match';
  const netem = hasNetem();
  const net = (kind: 'partition' | 'loss' | 'delay', extra: boolean, extraWhy: string): FaultCheck =>
    netOk && extra
      ? { name: `fault ${kind}`, ok: true, detail: mechanismOf(kind) }
      : {
          name: `fault ${kind}`,
          ok: true,
          warning: true,
          detail: `unavailable: ${netOk ? extraWhy : why}`,
          fix: 'run the daemon as root on a kernel with iptables (cgroup, statistic, nat REDIRECT) and cgroup v2',
        };
  return [
    { name: 'fault kill', ok: true, detail: mechanismOf('kill') },
    { name: 'fault pause', ok: true, detail: mechanismOf('pause') },
    net('partition', true, ''),
    net('loss', probe?.statistic ?? false, 'iptables lacks the statistic match'),
    {
      ...net('delay', probe?.redirect ?? false, 'iptables lacks nat REDIRECT'),
      ...(netOk && probe?.redirect
        ? {
            detail: `${mechanismOf('delay')}; netem ${netem ? 'is present but not used' : 'is absent on this kernel'}`,
          }
        : {}),
    },
    bandwidth(netOk ? '' : why, netOk && (probe?.classify ?? false)),
    root
      ? {
          name: 'fault disk',
          ok: true,
          detail: hasBlkio()
            ? mechanismOf('disk')
            : `${mechanismOf('disk')}; slow is unavailable here: no cgroup v1 blkio controller (${BLKIO_ROOT})`,
        }
      : unavailable('disk', 'the daemon does not run as root (mount)', 'run the daemon as root'),
    fakeTimeLibrary()
      ? { name: 'fault clock', ok: true, detail: mechanismOf('clock') }
      : unavailable(
          'clock',
          'libfaketime is not installed',
          'apt-get install libfaketime (scripts/setup.sh does)',
        ),
    {
      name: 'fault node',
      ok: true,
      detail:
        'partition, isolate, loss, delay, bandwidth between whole virtual nodes (every tenant process task on them): cluster admins only',
    },
  ];
}

function unavailable(kind: string, why: string, fix: string): FaultCheck {
  return { name: `fault ${kind}`, ok: true, warning: true, detail: `unavailable: ${why}`, fix };
}

/** htb on lo, classes chosen by iptables CLASSIFY; never where lo has a root qdisc of someone else's. */
function bandwidth(why: string, classify: boolean): FaultCheck {
  if (!classify)
    return unavailable(
      'bandwidth',
      why || 'iptables lacks CLASSIFY or conntrack',
      'run the daemon as root on a kernel with htb and iptables CLASSIFY',
    );
  let root: string;
  try {
    root = rootOfLo();
  } catch {
    return unavailable('bandwidth', 'tc (iproute2) is not installed', 'apt-get install iproute2');
  }
  if (root !== 'ours' && root !== 'none')
    return unavailable(
      'bandwidth',
      `lo has a root qdisc that is not Flotilla's (${root})`,
      'remove it, or do without',
    );
  return { name: 'fault bandwidth', ok: true, detail: mechanismOf('bandwidth') };
}

function hasNetem(): boolean {
  const dir = `/lib/modules/${os.release()}/kernel/net/sched`;
  return (
    fs.existsSync('/sys/module/sch_netem') ||
    (fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith('sch_netem')))
  );
}
