import fs from 'node:fs';
import os from 'node:os';
import { mechanismOf } from './engine.js';
import { probeNetfilter } from './netfilter.js';

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
    {
      name: 'fault bandwidth, disk, clock',
      ok: true,
      warning: true,
      detail: 'not in this release (docs/failure-lab.md#not-yet)',
    },
  ];
}

function hasNetem(): boolean {
  const dir = `/lib/modules/${os.release()}/kernel/net/sched`;
  return (
    fs.existsSync('/sys/module/sch_netem') ||
    (fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith('sch_netem')))
  );
}
