import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { FlotillaError } from '../core/errors.js';

const run = promisify(execFile);

/**
 * Bandwidth limits on the loopback: two htb classes per fault (one each way) under one root qdisc
 * of Flotilla's own (handle f10:). Which packets go to them is decided by iptables, not by tc
 * filters: on the loopback every connection's source is 127.0.0.1, so addresses cannot say which
 * task sent a packet, and a u32 `match mark` is silently ignored by kernels built without
 * CONFIG_CLS_U32_MARK (this one: such a filter matches every packet), while cls_fw and cls_basic
 * are absent. So mangle rules mark a connection (CONNMARK) when one of the fault's sending tasks
 * (its cgroup) opens or uses it toward a receiving task's address and port, and CLASSIFY puts each
 * packet of a marked connection in the fault's class for its direction (htb takes a packet whose
 * priority names one of its classes straight there). Every other packet takes htb's direct queue
 * (`default 0`): it is never shaped.
 *
 * `lo` is shared by every program on the machine. The root is added only where `lo` has none (its
 * default `noqueue`); a root qdisc that is not Flotilla's is never replaced (the fault is refused);
 * each fault removes its own filters and class, and the last one out removes the root.
 */
export const ROOT_MAJOR = 'f10';
const DEV = ['dev', 'lo'];
const LOCK = '/run/flotilla-tc.lock';

/** A fault's two classes (each way of its connections has the rate) and its filters' priority. */
export interface TcClass {
  /** Packets toward the receiving tasks' ports. */
  classid: string;
  /** Packets back from them (replies on the same connections). */
  backClassid: string;
  mark: string;
}

/** The root qdisc of `lo`: `ours`, `none` (noqueue), or another's (its description). */
export function rootOfLo(): 'ours' | 'none' | string {
  const out = execFileSync('tc', ['qdisc', 'show', ...DEV], { encoding: 'utf8' });
  const root = out.split('\n').find((l) => / root /.test(l)) ?? '';
  if (root === '' || root.startsWith('qdisc noqueue')) return 'none';
  if (hasOurRoot(root)) return 'ours';
  return root.trim();
}

/** Whether `tc qdisc show` output has Flotilla's htb root (on `lo`, or a container's interface). */
export function hasOurRoot(qdiscs: string): boolean {
  return new RegExp(`^qdisc htb ${ROOT_MAJOR}: root`, 'm').test(qdiscs);
}

/** Flotilla's htb classes in `tc class show` output. */
export function ourClassIds(classes: string): string[] {
  return [...classes.matchAll(new RegExp(`^class htb (${ROOT_MAJOR}:[0-9a-f]+) `, 'gm'))].map((m) => m[1]!);
}

function ourClasses(): string[] {
  return ourClassIds(execFileSync('tc', ['class', 'show', ...DEV], { encoding: 'utf8' }));
}

/** Daemons of several homes share `lo`: adding and removing the root and classes take turns. */
function locked<T>(fn: () => T): T {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      // A lock whose holder is gone (a daemon killed in between) is taken over.
      const holder = Number(fs.readFileSync(LOCK, { encoding: 'utf8', flag: 'a+' }) || 0);
      if (holder > 0 && !alive(holder)) fs.rmSync(LOCK, { force: true });
      else if (Date.now() > deadline) fs.rmSync(LOCK, { force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Adds the fault's two classes limited to `rateKbit`; the mark its iptables rules must set. */
export function addShaping(rateKbit: number, random: () => number): TcClass & { minor: number } {
  return locked(() => {
    const root = rootOfLo();
    if (root !== 'ours' && root !== 'none')
      throw new FlotillaError(
        'FAULT_UNSUPPORTED',
        `lo already has a root qdisc that is not Flotilla's (${root}): a bandwidth fault would have to replace it`,
      );
    if (root === 'none')
      execFileSync('tc', ['qdisc', 'add', ...DEV, 'root', 'handle', `${ROOT_MAJOR}:`, 'htb', 'default', '0']);
    const used = new Set(ourClasses());
    let minor = 0;
    const id = (m: number) => `${ROOT_MAJOR}:${m.toString(16)}`;
    do minor = 0x100 + 2 * Math.floor(random() * 0x7f00);
    while (used.has(id(minor)) || used.has(id(minor + 1)));
    const tc: TcClass = {
      classid: id(minor),
      backClassid: id(minor + 1),
      mark: `0x${(minor * 0x10000).toString(16)}`,
    };
    try {
      for (const classid of [tc.classid, tc.backClassid])
        execFileSync(
          'tc',
          ['class', 'add', ...DEV, 'parent', `${ROOT_MAJOR}:`, 'classid', classid, ...htbClassArgs(rateKbit)],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
    } catch (err) {
      removeShapingNow(tc);
      const e = err as { stderr?: Buffer; message?: string };
      const why = (e.stderr ? String(e.stderr) : (e.message ?? String(err))).trim();
      throw new FlotillaError(
        'FAULT_UNSUPPORTED',
        `tc refused the bandwidth fault's class or filters: ${why}`,
      );
    }
    return { ...tc, minor };
  });
}

/** A fault's class: `rateKbit` each way it is used, no borrowing above it. */
export function htbClassArgs(rateKbit: number): string[] {
  // A burst of one GSO packet (64 KiB) or htb could not send a whole one at low rates.
  const rate = `${rateKbit}kbit`;
  return ['htb', 'rate', rate, 'ceil', rate, 'burst', '64k', 'cburst', '64k', 'quantum', '65536'];
}

/** The fault's classes go; the root too when no class of Flotilla's is left. Safe twice. */
export function removeShaping(tc: TcClass): void {
  locked(() => removeShapingNow(tc));
}

function removeShapingNow(tc: TcClass): void {
  if (rootOfLo() !== 'ours') return;
  for (const classid of [tc.classid, tc.backClassid])
    spawnSync('tc', ['class', 'del', ...DEV, 'classid', classid]);
  if (ourClasses().length === 0)
    spawnSync('tc', ['qdisc', 'del', ...DEV, 'root', 'handle', `${ROOT_MAJOR}:`]);
}

/** The fault's classes still on `lo`: what a test asserts gone. */
export function shapingLeft(tc: TcClass): string[] {
  return ourClasses().filter((c) => c === tc.classid || c === tc.backClassid);
}

/** A class's counters: bytes sent, times htb held a packet back (overlimits), bytes queued. */
export async function classCounters(
  classid: string,
  tc: string[] = ['tc'],
  dev = 'lo',
): Promise<Counters | null> {
  const [command, ...args] = tc;
  const { stdout } = await run(command!, [
    ...args,
    '-s',
    'class',
    'show',
    'dev',
    dev,
    'classid',
    classid,
  ]).catch(() => ({ stdout: '' }));
  const sent = /Sent (\d+) bytes \d+ pkt \(dropped \d+, overlimits (\d+)/.exec(stdout);
  if (!sent) return null;
  const backlog = /backlog (\d+)b/.exec(stdout);
  return { bytes: Number(sent[1]), overlimits: Number(sent[2]), backlog: Number(backlog?.[1] ?? 0) };
}

/**
 * The rate real traffic achieved through a fault's classes: their byte counters read every second,
 * and the seconds in which htb held packets back (the senders wanted more than the limit) kept. The
 * median of those seconds, in the busier direction, is the figure reported; a second without
 * pressure says nothing about the limit.
 */
export class RateMeter {
  private readonly timer: NodeJS.Timeout;
  private readonly ways = new Map<string, { last: Sample | null; busy: number[]; bytes: number }>();

  /** `classes`: the fault's classes now, each named by a key and read by its `read`. */
  constructor(private readonly classes: () => { key: string; read: () => Promise<Counters | null> }[]) {
    this.timer = setInterval(() => void this.sample(), 1000);
    this.timer.unref();
    void this.sample();
  }

  private async sample(): Promise<void> {
    for (const { key, read } of this.classes()) {
      const c = await read();
      if (!c) continue;
      const way = this.ways.get(key) ?? { last: null, busy: [], bytes: 0 };
      this.ways.set(key, way);
      const at = performance.now();
      const last = way.last;
      way.last = { at, bytes: c.bytes, overlimits: c.overlimits };
      way.bytes = c.bytes;
      if (!last) continue;
      const sent = c.bytes - last.bytes;
      if (sent > 0 && (c.overlimits > last.overlimits || c.backlog > 0))
        way.busy.push((sent * 8) / ((at - last.at) / 1000) / 1000);
    }
  }

  measured(askedKbit: number): {
    askedKbit: number;
    achievedKbit: number | null;
    busySeconds: number;
    bytes: number;
  } {
    const ways = [...this.ways.values()];
    const busiest = ways.sort((a, b) => b.busy.length - a.busy.length)[0];
    const s = [...(busiest?.busy ?? [])].sort((a, b) => a - b);
    const achievedKbit = s.length === 0 ? null : Math.round(s[Math.floor(s.length / 2)]!);
    const bytes = ways.reduce((n, w) => n + w.bytes, 0);
    return { askedKbit, achievedKbit, busySeconds: s.length, bytes };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface Counters {
  bytes: number;
  overlimits: number;
  backlog: number;
}

interface Sample {
  at: number;
  bytes: number;
  overlimits: number;
}
