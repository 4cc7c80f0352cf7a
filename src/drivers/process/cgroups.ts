import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Whether and where the process driver can turn a task's cpus and mem into kernel limits.
 *
 *   <base>/flotilla/<hash of the daemon home>/<tenant>/<task>
 *
 * v1: <base> is the daemon's own cgroup in the cpu, memory (and cpuacct) hierarchies, so that
 * whatever bounds the daemon (a slice, a container) still bounds its tasks. v2 forbids controllers
 * below a cgroup that holds processes, so <base> is the nearest ancestor of the daemon's cgroup
 * that holds none and offers cpu and memory (the root at worst).
 */

/**
 * auto: mem is a hard limit and cpus a proportional weight (cpu.shares / cpu.weight), as Mesos' cpu
 * isolator does by default: under contention each task gets its share, and idle cores are not left
 * unused while a stack starts. strict: cpus is also a hard CFS quota. off: no cgroups at all.
 */
export type CgroupMode = 'auto' | 'strict' | 'off';
export type LimitMechanism = 'cgroup-v1' | 'cgroup-v2' | 'none';

/** This daemon's root in each hierarchy a task joins; under v2 all three are the same directory. */
export interface CgroupRoots {
  mechanism: 'cgroup-v1' | 'cgroup-v2';
  cpu: string;
  memory: string;
  /** Where CPU usage is accounted (cpuacct may be a hierarchy of its own under v1). */
  acct: string | null;
  /**
   * v1 only: a directory in the unified (v2) hierarchy the task joins too, with no controllers, so
   * that packet filters can name the task's sockets (`iptables -m cgroup --path`; src/faults). Under
   * v2 the task's one directory serves.
   */
  net?: string | null;
}

export type CgroupSupport = CgroupRoots | { mechanism: 'none'; reason: string };

export interface CgroupMount {
  mountPoint: string;
  /** The path inside the hierarchy that is mounted there. */
  root: string;
  version: 1 | 2;
  /** v1 controllers bound to the hierarchy (empty for v2: see cgroup.controllers). */
  controllers: string[];
}

const V2_CONTROLLERS = ['cpu', 'memory'];

export function parseMountinfo(text: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fstype, , superOptions = ''] = right.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const root = unescapeMount(fields[3] ?? '/');
    const mountPoint = unescapeMount(fields[4] ?? '');
    const controllers = fstype === 'cgroup' ? superOptions.split(',') : [];
    mounts.push({ mountPoint, root, version: fstype === 'cgroup' ? 1 : 2, controllers });
  }
  return mounts;
}

/** /proc/<pid>/cgroup as controller → path; the v2 line ("0::/path") is under the key ''. */
export function parseProcCgroup(text: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const controller of (m[1] ?? '').split(',')) paths.set(controller, m[2] ?? '/');
  }
  return paths;
}

/** The directory of a cgroup path inside the hierarchy mounted at `mount`. */
export function cgroupDir(mount: CgroupMount, cgroupPath: string): string {
  const inside =
    mount.root !== '/' && (cgroupPath === mount.root || cgroupPath.startsWith(`${mount.root}/`))
      ? cgroupPath.slice(mount.root.length)
      : cgroupPath;
  return path.join(mount.mountPoint, inside);
}

/** Short and stable: two daemons with different homes never share a cgroup. */
export function scopeHash(daemonHome: string): string {
  return createHash('sha256').update(path.resolve(daemonHome)).digest('hex').slice(0, 12);
}

/** Finds where this daemon's task cgroups go, and proves it by creating (and dropping) its root. */
export function detectCgroups(mode: CgroupMode, daemonHome: string): CgroupSupport {
  if (mode === 'off') return none('turned off (FLOTILLA_CGROUPS=off)');
  let mounts: CgroupMount[];
  let own: Map<string, string>;
  try {
    mounts = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
    own = parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  } catch (err) {
    return none(`cannot read /proc/self: ${errorText(err)}`);
  }
  const bases = chooseBases(mounts, own);
  if ('reason' in bases) return bases;
  const tail = path.join('flotilla', scopeHash(daemonHome));
  const roots: CgroupRoots = {
    mechanism: bases.mechanism,
    cpu: path.join(bases.cpu, tail),
    memory: path.join(bases.memory, tail),
    acct: bases.acct === null ? null : path.join(bases.acct, tail),
  };
  for (const root of new Set([roots.cpu, roots.memory])) {
    const failure = probe(roots.mechanism, root);
    if (failure) return none(failure);
  }
  const unified = mounts.find((m) => m.version === 2);
  if (roots.mechanism === 'cgroup-v1' && unified) {
    const net = path.join(cgroupDir(unified, own.get('') ?? '/'), tail);
    roots.net = probe('cgroup-v1', net) ? null : net;
  }
  // Accounting is a nicety: without it, usage is just not reported.
  const { acct } = roots;
  if (acct && acct !== roots.cpu && acct !== roots.memory && probe(roots.mechanism, acct)) roots.acct = null;
  return roots;
}

/** Only a proof: tasks create what they need, and the last one leaves nothing behind. */
function probe(mechanism: CgroupRoots['mechanism'], root: string): string | null {
  try {
    ensureCgroupDirs(mechanism, path.dirname(path.dirname(root)), root);
    return null;
  } catch (err) {
    return explain(err, root);
  } finally {
    if (rmdirQuietly(root)) rmdirQuietly(path.dirname(root));
  }
}

/** The directories, from `base` down to `dir`, created as needed; v2 also enables cpu and memory. */
export function ensureCgroupDirs(mechanism: CgroupRoots['mechanism'], base: string, dir: string): void {
  const chain = [dir];
  while (path.dirname(chain[0]!) !== chain[0] && chain[0] !== base) chain.unshift(path.dirname(chain[0]!));
  for (const [i, d] of chain.entries()) {
    if (i > 0) mkdirOnce(d);
    if (mechanism === 'cgroup-v2' && d !== dir) enableControllers(d);
  }
}

/** One level at a time (a recursive mkdir reports EROFS as ENOENT); an existing one is fine. */
function mkdirOnce(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function chooseBases(
  mounts: CgroupMount[],
  own: Map<string, string>,
):
  | { mechanism: CgroupRoots['mechanism']; cpu: string; memory: string; acct: string | null }
  | { mechanism: 'none'; reason: string } {
  const unified = mounts.find((m) => m.version === 2);
  const offered = unified ? readWords(path.join(unified.mountPoint, 'cgroup.controllers')) : [];
  if (unified && V2_CONTROLLERS.every((c) => offered.includes(c))) {
    const base = v2Base(cgroupDir(unified, own.get('') ?? '/'), unified.mountPoint);
    return { mechanism: 'cgroup-v2', cpu: base, memory: base, acct: base };
  }
  const v1 = (controller: string) =>
    mounts.find((m) => m.version === 1 && m.controllers.includes(controller));
  const [cpu, memory, acct] = [v1('cpu'), v1('memory'), v1('cpuacct')];
  if (cpu && memory) {
    const dir = (m: CgroupMount, c: string) => cgroupDir(m, own.get(c) ?? '/');
    return {
      mechanism: 'cgroup-v1',
      cpu: dir(cpu, 'cpu'),
      memory: dir(memory, 'memory'),
      acct: acct ? dir(acct, 'cpuacct') : null,
    };
  }
  if (unified) {
    const list = offered.length > 0 ? offered.join(' ') : 'none';
    return none(
      `the cpu and memory controllers are not available (cgroup2 at ${unified.mountPoint} offers: ${list})`,
    );
  }
  return none('no cgroup filesystem with the cpu and memory controllers is mounted');
}

/** The nearest ancestor that may enable cpu and memory for its children: it offers them, and holds no processes. */
function v2Base(dir: string, mountPoint: string): string {
  const usable = (d: string) =>
    readWords(path.join(d, 'cgroup.procs')).length === 0 &&
    V2_CONTROLLERS.every((c) => readWords(path.join(d, 'cgroup.controllers')).includes(c));
  let d = dir;
  while (d !== mountPoint && d.startsWith(mountPoint) && !usable(d)) d = path.dirname(d);
  return d;
}

function enableControllers(dir: string): void {
  const file = path.join(dir, 'cgroup.subtree_control');
  const missing = V2_CONTROLLERS.filter((c) => !readWords(file).includes(c));
  if (missing.length > 0) fs.writeFileSync(file, missing.map((c) => `+${c}`).join(' '));
}

export function readWords(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

export function rmdirQuietly(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Why a cgroup could not be made, in words that say what to do. */
export function explain(err: unknown, dir: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM')
    return `no permission to create cgroups in ${dir}: run the daemon as root, or in a cgroup delegated to its user`;
  if (code === 'EROFS')
    return `${dir} is on a read-only file system (typical in a container without write access to cgroups)`;
  if (code === 'EBUSY' || code === 'EOPNOTSUPP')
    return `cannot enable the cpu and memory controllers above ${dir}: a cgroup on the way holds processes (typical at the root of a container)`;
  return `cannot create ${dir}: ${errorText(err)}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function none(reason: string): { mechanism: 'none'; reason: string } {
  return { mechanism: 'none', reason };
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
