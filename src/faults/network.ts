import { FlotillaError } from '../core/errors.js';
import type { FaultRecord, FaultRequest } from '../core/fault.js';
import type { TaskRecord } from '../core/task.js';
import { applyInNetns, containerRules, netnsAddresses, removeInNetns } from './container-net.js';
import { DelayProxy } from './delay-proxy.js';
import { applyChain, chainRules, removeChain, type NetAction, type Pair } from './netfilter.js';
import { addShaping, RateMeter, removeShaping, type TcClass } from './shaping.js';
import type { Sides } from './nodes.js';
import { endpointOf, inContainer, needTask, type TaskLookup } from './targets.js';

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
  const all = [...from, ...to];
  const container = all.find(inContainer);
  if (container) {
    const hostTask = all.find((t) => !inContainer(t));
    if (hostTask)
      throw new FlotillaError(
        'FAULT_UNSUPPORTED',
        `${container.id} runs in a container and ${hostTask.id} as a host process: name tasks of one driver in a network fault (docs/failure-lab.md)`,
      );
    if (req.kind === 'delay' || req.kind === 'bandwidth')
      throw new FlotillaError(
        'FAULT_UNSUPPORTED',
        `${req.kind} between containers is not supported in this release: partition, isolate and loss are (docs/failure-lab.md)`,
      );
  }
  return { from, to };
}

/** Directed pairs of the fault's sides: from → to, and back unless one way (a delay: one way). */
function directed<T>(req: FaultRequest, from: T[], to: T[]): [T, T][] {
  const oneWay = req.kind === 'delay' || req.oneWay === true;
  const pairs: [T, T][] = [];
  for (const a of from)
    for (const b of to) {
      pairs.push([a, b]);
      if (!oneWay) pairs.push([b, a]);
    }
  return pairs;
}

/** Directed pairs of process tasks whose packets the fault touches, as the host's rules name them. */
export function pairsOf(req: FaultRequest, from: TaskRecord[], to: TaskRecord[]): Pair[] {
  return directed(req, from, to).map(([a, b]) => ({ from: endpointOf(a), to: endpointOf(b) }));
}

/** A network fault in force: its chain (rewritten whenever one of its tasks is relaunched) and proxy. */
export class NetworkFault {
  private stopped = false;
  /** Each sending container's task, and the process whose namespace holds its rules now. */
  private readonly senders = new Map<string, number>();

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
      const targets = sides ? sides().to : (req.to ?? []).map((id) => needTask(tasks, fault.tenant, id));
      for (const t of targets) for (const port of t.ports) await proxy.listen(t.host, port);
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
    if (from.some(inContainer) || to.some(inContainer)) this.syncContainers(from, to);
    else applyChain(this.chain, chainRules(this.chain, pairsOf(this.fault.request, from, to), this.action));
    // A node-level delay: a task placed on a target node later gets a port of the proxy, then a rule.
    const proxy = this.proxy;
    if (proxy && this.sides)
      for (const t of to)
        for (const port of t.ports)
          if (proxy.portFor(t.host, port) === undefined)
            void proxy
              .listen(t.host, port)
              .then(() => this.sync())
              .catch(() => undefined);
  }

  /** Each running sender's namespace gets a chain dropping what it sends to its peers' addresses now. */
  private syncContainers(from: TaskRecord[], to: TaskRecord[]): void {
    const action = this.action;
    if (action.kind !== 'drop' && action.kind !== 'loss') return;
    const addresses = new Map<string, string[]>();
    const addressesOf = (t: TaskRecord) => {
      if (!addresses.has(t.id)) addresses.set(t.id, t.handle ? netnsAddresses(t.handle.pid) : []);
      return addresses.get(t.id)!;
    };
    const peers = new Map<TaskRecord, string[]>();
    for (const [a, b] of directed(this.fault.request, from, to))
      if (a.handle) peers.set(a, [...(peers.get(a) ?? []), ...addressesOf(b)]);
    for (const [t, addrs] of peers) {
      const pid = t.handle!.pid;
      const before = this.senders.get(t.id);
      if (before !== undefined && before !== pid) removeInNetns(before, this.chain);
      applyInNetns(pid, this.chain, containerRules(this.chain, addrs, action));
      this.senders.set(t.id, pid);
    }
  }

  involves(tenant: string, taskId: string): boolean {
    // A node-level fault reaches every tenant's tasks on its nodes, those placed there later too.
    return this.sides !== null || (tenant === this.fault.tenant && this.fault.targets.includes(taskId));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    removeChain(this.chain);
    for (const pid of this.senders.values()) removeInNetns(pid, this.chain);
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
