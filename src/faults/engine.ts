import { randomBytes } from 'node:crypto';
import { FlotillaError } from '../core/errors.js';
import type { FaultApplied, FaultRecord, FaultRequest } from '../core/fault.js';
import { taskKey } from '../core/keys.js';
import type { NodeInfo } from '../core/node.js';
import type { TaskRecord } from '../core/task.js';
import { chainsInNetns, removeInNetns, removeNetnsClass, shapedDevices } from './container-net.js';
import { LaunchFaults } from './launch-faults.js';
import { chainsWithPrefix, removeChain } from './netfilter.js';
import { NetworkFault, sidesOf } from './network.js';
import { nodeSides } from './nodes.js';
import { removeShaping } from './shaping.js';
import { ownNetns, pickTasks, type TaskLookup } from './targets.js';
import { checkFaultRequest } from '../core/fault-check.js';

/** What the engine needs of the daemon: the store's faults and tasks, the driver, the event bus. */
export interface FaultDeps {
  faults: {
    list(tenant: string): FaultRecord[];
    listActive(): FaultRecord[];
    get(tenant: string, id: string): FaultRecord | null;
    put(f: FaultRecord): void;
  };
  tasks: TaskLookup & { list(tenant: string): TaskRecord[]; listAll(): TaskRecord[] };
  userOf?(tenant: string): { uid: number } | undefined;
  /** Every live process of a process task: a slow disk throttles them all. */
  processesOf?(taskKey: string): number[];
  /** The virtual nodes, for node-level faults (cluster admins only). */
  nodes?: Pick<NodeInfo, 'id' | 'host'>[];
  signal(taskKey: string, signal: NodeJS.Signals): Promise<void>;
  /** Stops a task and has the supervisor launch it again (clock and disk faults take hold at a launch). */
  restart(tenant: string, taskId: string): Promise<void>;
  publish(tenant: string, type: string, subject: string, data: Record<string, unknown>, now: number): void;
  /** Names this home's chains (`FLTF-<home id>-<fault id>`), so that homes never touch each other's. */
  homeId: string;
  log: (msg: string) => void;
  now?: () => number;
  random?: () => number;
  /** Names the leader among a service's tasks, where its package can (pick: leader). */
  leaderOf?: (candidates: TaskRecord[], of?: FaultRequest['leaderOf']) => Promise<TaskRecord | null>;
}

/**
 * Injects faults, heals them on command, after their duration, or when the daemon stops, and heals
 * what a daemon killed mid-fault left (its chains, its stopped processes) when the next one starts.
 */
export class FaultEngine {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly networks = new Map<string, NetworkFault>();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly launches: LaunchFaults;

  constructor(private readonly deps: FaultDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.launches = new LaunchFaults(deps);
  }

  /** After the daemon stopped its tasks: what skewed processes left in /dev/shm goes. */
  sweepLeftovers(): void {
    this.launches.sweep();
  }

  /** A task is about to launch: the env its clock fault adds; its disk fault's volume mounted. */
  beforeLaunch(t: TaskRecord): Record<string, string> {
    return this.launches.beforeLaunch(t);
  }

  get chainPrefix(): string {
    return `FLTF-${this.deps.homeId}-`;
  }

  /** Heals every fault an earlier daemon left active, and any chain of this home no fault owns. */
  async recover(): Promise<number> {
    const left = this.deps.faults.listActive();
    for (const f of left) await this.undo(f, 'the daemon restarted: healed what the last one left');
    for (const chain of chainsWithPrefix(this.chainPrefix)) removeChain(chain);
    // A container that outlived the daemon keeps the rules (and a bandwidth fault's htb root) in its
    // own namespace until they go.
    for (const t of this.deps.tasks.listAll()) {
      const pid = t.handle?.containerId && ownNetns(t) ? t.handle.pid : null;
      if (pid === null) continue;
      for (const chain of chainsInNetns(pid, this.chainPrefix)) removeInNetns(pid, chain);
      for (const dev of shapedDevices(pid)) removeNetnsClass(pid, dev, null);
    }
    this.launches.strays(this.deps.faults.listActive());
    if (left.length > 0) this.deps.log(`healed ${left.length} fault(s) the last daemon left active`);
    return left.length;
  }

  list(tenant: string): FaultRecord[] {
    return this.deps.faults.list(tenant).map((f) => this.withMeasure(f));
  }

  get(tenant: string, id: string): FaultRecord {
    const f = this.deps.faults.get(tenant, id);
    if (!f) throw new FlotillaError('FAULT_NOT_FOUND', `no fault ${id}`);
    return this.withMeasure(f);
  }

  /** `clusterAdmin`: whether the caller may fault whole virtual nodes (every tenant's tasks on them). */
  async inject(tenant: string, req: FaultRequest, clusterAdmin = false): Promise<FaultRecord> {
    checkFaultRequest(req);
    const onNodes = req.fromNodes !== undefined;
    if (onNodes && !clusterAdmin)
      throw new FlotillaError(
        'PERMISSION_DENIED',
        "fromNodes: a node-level fault reaches every tenant's tasks on the nodes: only a cluster admin may inject one; name your own tasks (from, to) instead",
      );
    const id = randomBytes(3).toString('hex');
    const now = this.now();
    const base = {
      id,
      tenant,
      kind: req.kind,
      request: req,
      createdAt: now,
      healedAt: null,
      message: null,
    };
    let record: FaultRecord;
    if (req.kind === 'kill' || req.kind === 'pause') {
      const picked = await this.pick(tenant, req);
      const signal = req.kind === 'pause' ? 'SIGSTOP' : (req.signal ?? 'SIGKILL');
      const applied: FaultApplied = {
        mechanism:
          req.kind === 'pause' ? 'SIGSTOP/SIGCONT of the process group' : `${signal} of the process group`,
        ...(req.kind === 'pause' ? { paused: picked.map((t) => taskKey(tenant, t.id)) } : {}),
      };
      record = {
        ...base,
        targets: picked.map((t) => t.id),
        // A kill is over once sent: the supervisor relaunches the task as for any crash.
        state: req.kind === 'kill' ? 'healed' : 'active',
        applied,
        healAt: req.kind === 'pause' && req.durationS ? now + req.durationS * 1000 : null,
        ...(req.kind === 'kill'
          ? { healedAt: now, message: 'sent; the supervisor relaunches the task' }
          : {}),
      };
      // Stored before the signal: a daemon that dies right after still knows what to resume.
      this.deps.faults.put(record);
      for (const t of picked) await this.deps.signal(taskKey(tenant, t.id), signal).catch(() => undefined);
    } else if (req.kind === 'clock' || req.kind === 'disk') {
      const picked = await this.pick(tenant, req);
      record = {
        ...base,
        targets: picked.map((t) => t.id),
        state: 'active',
        applied: this.launches.plan(req, picked, id),
        healAt: req.durationS ? now + req.durationS * 1000 : null,
      };
      // Stored before the restart: the launch reads it, and a daemon that dies knows what to undo.
      this.deps.faults.put(record);
      try {
        await this.launches.apply(record);
      } catch (err) {
        this.deps.faults.put({ ...record, state: 'healed', healedAt: this.now(), message: String(err) });
        throw err;
      }
    } else {
      const sides = onNodes ? nodeSides(req, this.deps.nodes ?? [], () => this.deps.tasks.listAll()) : null;
      const named = !sides && req.from === undefined ? await this.serviceSides(tenant, req) : req;
      const { from, to } = sides ? { from: [], to: [] } : sidesOf(this.deps.tasks, tenant, named);
      const chain = `${this.chainPrefix}${id}`;
      record = {
        ...base,
        // With the sides the daemon picked: what heals and follows the fault reads them there.
        request: named,
        targets: onNodes
          ? [...(req.fromNodes ?? []), ...(req.toNodes ?? [])]
          : [...from, ...to].map((t) => t.id),
        state: 'active',
        applied: { chain, nat: req.kind === 'delay', mechanism: mechanismOf(req.kind) },
        healAt: req.durationS ? now + req.durationS * 1000 : null,
      };
      this.deps.faults.put(record);
      try {
        const net = await NetworkFault.start(chain, this.deps.tasks, record, sides);
        this.networks.set(id, net);
        if (net.shaping?.tc) {
          const { classid, backClassid, mark } = net.shaping.tc;
          const tc = { classid, backClassid, mark };
          record = { ...record, applied: { ...record.applied, tc } };
          this.deps.faults.put(record);
        }
      } catch (err) {
        this.deps.faults.put({ ...record, state: 'healed', healedAt: this.now(), message: String(err) });
        throw err;
      }
    }
    this.deps.publish(
      tenant,
      'fault_injected',
      id,
      { kind: req.kind, targets: record.targets, request: req },
      now,
    );
    if (record.healAt !== null) this.schedule(record);
    return record;
  }

  async heal(tenant: string, id: string, why = 'healed on request'): Promise<FaultRecord> {
    const f = this.get(tenant, id);
    if (f.state !== 'active') return f;
    return this.undo(f, why);
  }

  /** Every active fault of a tenant (or of all tenants: the daemon stopping). */
  async healAll(tenant: string | null, why: string): Promise<FaultRecord[]> {
    const active = this.deps.faults.listActive().filter((f) => tenant === null || f.tenant === tenant);
    const out: FaultRecord[] = [];
    for (const f of active) out.push(await this.undo(f, why));
    return out;
  }

  /** A task was (re)launched or stopped: the chains that name it follow its new process. */
  taskChanged(tenant: string, taskId: string): void {
    this.launches.noteLaunch(tenant, taskId);
    for (const [id, net] of this.networks) {
      if (!net.involves(tenant, taskId)) continue;
      try {
        net.sync();
      } catch (err) {
        this.deps.log(`fault ${id}: could not follow ${taskId}: ${String(err)}`);
      }
    }
  }

  private async pick(tenant: string, req: FaultRequest): Promise<TaskRecord[]> {
    if (req.pick !== 'leader') return pickTasks(this.deps.tasks, tenant, req, this.random);
    const leaderOf = this.deps.leaderOf;
    const candidates = pickTasks(this.deps.tasks, tenant, { ...req, pick: 'all' }, this.random);
    const leader = leaderOf ? await leaderOf(candidates, req.leaderOf) : null;
    return pickTasks(this.deps.tasks, tenant, req, this.random, () => leader);
  }

  /**
   * A network fault's sides from `service` and `pick` (random by default): the picked tasks among
   * those that run now, and the rest of the service (isolate: sidesOf takes the rest of its stack).
   */
  private async serviceSides(tenant: string, req: FaultRequest): Promise<FaultRequest> {
    const from = (await this.pick(tenant, { ...req, pick: req.pick ?? 'random' })).map((t) => t.id);
    if (req.kind === 'isolate') return { ...req, from };
    const to = this.deps.tasks
      .byOwner(tenant, req.service ?? '')
      .filter((t) => t.desired === 'running' && !from.includes(t.id))
      .map((t) => t.id);
    if (to.length === 0)
      throw new FlotillaError('FAULT_INVALID', `service: ${from.join(', ')} has no peers in ${req.service}`);
    return { ...req, from, to };
  }

  private schedule(f: FaultRecord): void {
    const timer = setTimeout(
      () => void this.heal(f.tenant, f.id, 'its duration ended').catch((e) => this.deps.log(String(e))),
      Math.max(0, (f.healAt ?? 0) - this.now()),
    );
    timer.unref();
    this.timers.set(f.id, timer);
  }

  private async undo(f: FaultRecord, why: string): Promise<FaultRecord> {
    clearTimeout(this.timers.get(f.id));
    this.timers.delete(f.id);
    const net = this.networks.get(f.id);
    this.networks.delete(f.id);
    const measured = net?.proxy?.measured();
    const bandwidth = net?.shaping?.meter.measured(f.request.rateKbit ?? 0);
    if (net) await net.stop();
    else {
      if (f.applied.chain) removeChain(f.applied.chain);
      if (f.applied.tc) removeShaping(f.applied.tc);
    }
    if (f.kind === 'clock' || f.kind === 'disk') await this.launches.heal(f);
    for (const key of f.applied.paused ?? []) await this.deps.signal(key, 'SIGCONT').catch(() => undefined);
    const now = this.now();
    const healed: FaultRecord = {
      ...f,
      state: 'healed',
      healedAt: now,
      message: why,
      applied: { ...f.applied, ...(measured ? { measured } : {}), ...(bandwidth ? { bandwidth } : {}) },
    };
    this.deps.faults.put(healed);
    this.deps.publish(f.tenant, 'fault_healed', f.id, { kind: f.kind, reason: why }, now);
    return healed;
  }

  private withMeasure(f: FaultRecord): FaultRecord {
    const net = this.networks.get(f.id);
    const measured = net?.proxy?.measured();
    if (measured) return { ...f, applied: { ...f.applied, measured } };
    const bandwidth = net?.shaping?.meter.measured(f.request.rateKbit ?? 0);
    return bandwidth ? { ...f, applied: { ...f.applied, bandwidth } } : f;
  }
}

export function mechanismOf(kind: FaultRequest['kind']): string {
  switch (kind) {
    case 'kill':
      return 'SIGKILL or SIGTERM of the process group (Docker: of the container)';
    case 'pause':
      return 'SIGSTOP/SIGCONT of the process group (Docker: the engine pause/unpause, every process)';
    case 'partition':
    case 'isolate':
      return 'iptables DROP on lo, by the sender task cgroup and the receiver address and ports (Docker: in each sending container network namespace, by the receiver address)';
    case 'loss':
      return 'iptables statistic (random DROP) on lo, by task cgroup, address and ports (Docker: in each sending container network namespace)';
    case 'delay':
      return 'nat REDIRECT to a delay proxy of the daemon (netem is not used; Docker: DNAT in each sending container namespace to the proxy on the stack bridge)';
    case 'bandwidth':
      return 'htb classes on lo (one each way); iptables (mangle: CONNMARK by task cgroup, address and ports, then CLASSIFY) puts the pairs connections in them (Docker: an htb class on each sending container interface, CLASSIFY by the receiver address)';
    case 'disk':
      return 'full: a full tmpfs over the task data directory (Docker: what its data volume binds), the task restarted onto it (data copied back on heal); slow: the task processes in a blkio cgroup throttled on the disk under it (Docker: the container own blkio cgroup)';
    case 'clock':
      return "libfaketime preloaded at the task's next start (the task is restarted; static binaries and containers are not skewed)";
  }
}
