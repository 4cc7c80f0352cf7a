import { FlotillaError } from '../core/errors.js';
import type { FaultRecord, FaultRequest } from '../core/fault.js';
import type { TaskRecord } from '../core/task.js';
import { DelayProxy } from './delay-proxy.js';
import { applyChain, chainRules, removeChain, type NetAction, type Pair } from './netfilter.js';
import { addShaping, RateMeter, removeShaping, type TcClass } from './shaping.js';
import type { Sides } from './nodes.js';
import { endpointOf, needTask, type TaskLookup } from './targets.js';

/** The two sides of a network fault, as the tenant's tasks (isolate: the task, and the rest of its stack). */
export function sidesOf(
  tasks: TaskLookup & { list(tenant: string): TaskRecord[] },
  tenant: string,
  req: FaultRequest,
): { from: TaskRecord[]; to: TaskRecord[] } {
  const from = (req.from ?? []).map((id) => needTask(tasks, tenant, id));
  let to: TaskRecord[];
  if (req.kind === 'isolate') {
    const one = from[0]!;
    // The rest of its stack (or, outside any stack, of its service).
    to = tasks
      .list(tenant)
      .filter((t) => t.id !== one.id && (one.stack ? t.stack === one.stack : t.owner === one.owner));
    if (to.length === 0)
      throw new FlotillaError('FAULT_INVALID', `from: ${one.id} has no peers to be cut off from`);
  } else to = (req.to ?? []).map((id) => needTask(tasks, tenant, id));
  for (const t of [...from, ...to])
    if (t.spec.driver === 'docker' || t.handle?.containerId)
      throw new FlotillaError(
        'FAULT_UNSUPPORTED',
        `${t.id} runs in a container: network faults reach process tasks only in this release (docs/failure-lab.md)`,
      );
  return { from, to };
}

/** Directed pairs whose packets the fault touches: from → to, and back unless one way (a delay: one way). */
export function pairsOf(req: FaultRequest, from: TaskRecord[], to: TaskRecord[]): Pair[] {
  const pairs: Pair[] = [];
  const oneWay = req.kind === 'delay' || req.oneWay === true;
  for (const a of from)
    for (const b of to) {
      pairs.push({ from: endpointOf(a), to: endpointOf(b) });
      if (!oneWay) pairs.push({ from: endpointOf(b), to: endpointOf(a) });
    }
  return pairs;
}

/** A network fault in force: its chain (rewritten whenever one of its tasks is relaunched) and proxy. */
export class NetworkFault {
  private stopped = false;

  private constructor(
    readonly chain: string,
    private readonly tasks: TaskLookup,
    private readonly fault: FaultRecord,
    private readonly action: NetAction,
    readonly proxy: DelayProxy | null,
    readonly shaping: { tc: TcClass; meter: RateMeter } | null = null,
    private readonly sides: (() => Sides) | null = null,
  ) {}

  /** `sides`: a node-level fault's tasks, read again at every sync; otherwise the record's tasks. */
  static async start(
    chain: string,
    tasks: TaskLookup,
    fault: FaultRecord,
    sides: (() => Sides) | null = null,
  ): Promise<NetworkFault> {
    const req = fault.request;
    let proxy: DelayProxy | null = null;
    let shaping: { tc: TcClass & { minor: number }; meter: RateMeter } | null = null;
    let action: NetAction;
    if (req.kind === 'delay') {
      proxy = new DelayProxy(req.delayMs ?? 0, req.jitterMs ?? 0);
      for (const id of req.to ?? []) {
        const t = needTask(tasks, fault.tenant, id);
        for (const port of t.ports) await proxy.listen(t.host, port);
      }
      const p = proxy;
      action = { kind: 'redirect', proxyPort: (to, port) => p.portFor(to.host, port) };
    } else if (req.kind === 'loss') action = { kind: 'loss', probability: req.probability ?? 1 };
    else if (req.kind === 'bandwidth') {
      const tc = addShaping(req.rateKbit ?? 0, Math.random);
      shaping = { tc, meter: new RateMeter([tc.classid, tc.backClassid]) };
      action = { kind: 'classify', mark: tc.minor * 0x10000, toward: tc.classid, back: tc.backClassid };
    } else action = { kind: 'drop' };
    const net = new NetworkFault(chain, tasks, fault, action, proxy, shaping, sides);
    try {
      net.sync();
    } catch (err) {
      await net.stop();
      throw new FlotillaError('FAULT_UNSUPPORTED', `iptables refused the fault's rules: ${errorText(err)}`);
    }
    return net;
  }

  /** Rewrites the chain from the tasks' current processes (a relaunched task has a new cgroup). */
  sync(): void {
    if (this.stopped) return;
    const { from, to } = this.sides ? this.sides() : sidesOfRecord(this.tasks, this.fault);
    applyChain(this.chain, chainRules(this.chain, pairsOf(this.fault.request, from, to), this.action));
  }

  involves(tenant: string, taskId: string): boolean {
    // A node-level fault reaches every tenant's tasks on its nodes, those placed there later too.
    return this.sides !== null || (tenant === this.fault.tenant && this.fault.targets.includes(taskId));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    removeChain(this.chain);
    if (this.shaping) {
      this.shaping.meter.stop();
      removeShaping(this.shaping.tc);
    }
    await this.proxy?.close();
  }
}

/** The fault's two sides as its tasks are now (a task that is gone is left out). */
function sidesOfRecord(tasks: TaskLookup, fault: FaultRecord): { from: TaskRecord[]; to: TaskRecord[] } {
  const fromIds = fault.request.from ?? [];
  const from = fromIds.map((id) => tasks.get(fault.tenant, id)).filter(isTask);
  const to = fault.targets
    .filter((id) => !fromIds.includes(id))
    .map((id) => tasks.get(fault.tenant, id))
    .filter(isTask);
  return { from, to };
}

function isTask(t: TaskRecord | null): t is TaskRecord {
  return t !== null;
}

function errorText(err: unknown): string {
  const e = err as { stderr?: Buffer | string; message?: string };
  return (e.stderr ? String(e.stderr) : (e.message ?? String(err))).trim();
}
