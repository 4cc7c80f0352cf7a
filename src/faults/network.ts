import { FlotillaError } from '../core/errors.js';
import type { FaultRecord, FaultRequest } from '../core/fault.js';
import type { TaskRecord } from '../core/task.js';
import {
  addNetnsClass,
  applyInNetns,
  containerRules,
  deviceToward,
  gatewayOf,
  listeningPorts,
  netnsAddresses,
  removeInNetns,
  removeNetnsClass,
  tcInNetns,
  type ContainerAction,
  type Peer,
} from './container-net.js';
import { DelayProxy } from './delay-proxy.js';
import { applyChain, chainRules, removeChain, type NetAction, type Pair } from './netfilter.js';
import {
  addShaping,
  classCounters,
  RateMeter,
  removeShaping,
  ROOT_MAJOR,
  type Counters,
  type TcClass,
} from './shaping.js';
import type { Sides } from './nodes.js';
import { endpointOf, needTask, ownNetns, type TaskLookup } from './targets.js';
import { isAlive } from '../core/pids.js';

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
  const container = all.find(ownNetns);
  if (container) {
    const hostTask = all.find((t) => !ownNetns(t));
    if (hostTask)
      throw new FlotillaError(
        'FAULT_UNSUPPORTED',
        `${container.id} runs in a container and ${hostTask.id} as a host process: name tasks of one driver in a network fault (docs/failure-lab.md)`,
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
  /** Each sending container (by tenant/id): the process whose namespace holds its rules now, its shaped device. */
  private readonly senders = new Map<string, { pid: number; dev: string | null }>();
  /** The sending containers' addresses now: the only ones the delay proxy takes connections from. */
  private senderAddresses = new Set<string>();
  /** A bandwidth fault: its classes (on `lo`, or one in each sending container) and their meter. */
  shaping: { tc: TcClass | null; meter: RateMeter } | null = null;
  /** A bandwidth fault between containers: its class in each sender's namespace. */
  private containerClass: string | null = null;

  private constructor(
    readonly chain: string,
    private readonly tasks: TaskLookup,
    private readonly fault: FaultRecord,
    private readonly action: NetAction,
    readonly proxy: DelayProxy | null,
    private readonly sides: (() => Sides) | null,
    /** Whether pairs of process tasks (rules on `lo`), and pairs of containers, are reached. */
    private readonly hosts: boolean,
    private readonly boxes: boolean,
  ) {}

  /** `sides`: a node-level fault's tasks, read again at every sync; otherwise the record's tasks. */
  static async start(
    chain: string,
    tasks: TaskLookup,
    fault: FaultRecord,
    sides: (() => Sides) | null = null,
  ): Promise<NetworkFault> {
    const req = fault.request;
    const now = sides ? sides() : sidesOfRecord(tasks, fault);
    // A task fault names tasks of one driver; a node-level one reaches both (each pair by its own).
    const boxes = sides !== null || [...now.from, ...now.to].some(ownNetns);
    const hosts = sides !== null || !boxes;
    let proxy: DelayProxy | null = null;
    let tc: (TcClass & { minor: number }) | null = null;
    let action: NetAction;
    if (req.kind === 'delay') {
      proxy = new DelayProxy(req.delayMs ?? 0, req.jitterMs ?? 0);
      for (const t of onHost(now.to)) for (const port of t.ports) await proxy.listen(t.host, port);
      const p = proxy;
      action = { kind: 'redirect', proxyPort: (to, port) => p.portFor(to.host, port) };
    } else if (req.kind === 'loss') action = { kind: 'loss', probability: req.probability ?? 1 };
    else if (req.kind === 'bandwidth' && hosts) {
      tc = addShaping(req.rateKbit ?? 0, Math.random);
      action = { kind: 'classify', mark: tc.minor * 0x10000, toward: tc.classid, back: tc.backClassid };
    } else action = { kind: 'drop' };
    const net = new NetworkFault(chain, tasks, fault, action, proxy, sides, hosts, boxes);
    if (req.kind === 'bandwidth') {
      if (boxes)
        net.containerClass = `${ROOT_MAJOR}:${(0x100 + Math.floor(Math.random() * 0xfe00)).toString(16)}`;
      const lo = tc ? [tc.classid, tc.backClassid] : [];
      const classes = () => [
        ...lo.map((classid) => ({ key: classid, read: () => classCounters(classid) })),
        ...net.containerClasses(),
      ];
      net.shaping = { tc, meter: new RateMeter(classes) };
    }
    try {
      if (boxes && proxy) await net.listenForContainers(net.readContainers(inBox(now.from), inBox(now.to)));
      net.sync();
    } catch (err) {
      await net.stop();
      if (err instanceof FlotillaError) throw err;
      throw new FlotillaError('FAULT_UNSUPPORTED', `iptables refused the fault's rules: ${errorText(err)}`);
    }
    return net;
  }

  /** Rewrites the chains from the tasks' current processes (a relaunched task has a new cgroup). */
  sync(): void {
    if (this.stopped) return;
    const { from, to } = this.sides ? this.sides() : sidesOfRecord(this.tasks, this.fault);
    if (this.boxes) {
      const senders = this.readContainers(inBox(from), inBox(to));
      if (this.proxy)
        // A relaunched peer may listen on a new address: its proxy ports open first, then the rules.
        void this.listenForContainers(senders)
          .then((opened) => (opened ? this.sync() : undefined))
          .catch(() => undefined);
      this.syncContainers(senders);
    }
    if (!this.hosts) return;
    const [hostFrom, hostTo] = [onHost(from), onHost(to)];
    applyChain(
      this.chain,
      chainRules(this.chain, pairsOf(this.fault.request, hostFrom, hostTo), this.action),
    );
    // A node-level delay: a task placed on a target node later gets a port of the proxy, then a rule.
    const proxy = this.proxy;
    if (proxy && this.sides)
      for (const t of hostTo)
        for (const port of t.ports)
          if (proxy.portFor(t.host, port) === undefined)
            void proxy
              .listen(t.host, port)
              .then(() => this.sync())
              .catch(() => undefined);
  }

  /**
   * Each running sending container as its namespace is now: its peers (their addresses, and for a
   * delay the TCP ports they listen on), its own addresses, and for a delay its gateway. Read once
   * per sync: every address, port and route is an `nsenter`.
   */
  private readContainers(from: TaskRecord[], to: TaskRecord[]): Sender[] {
    const delay = this.fault.request.kind === 'delay';
    const addresses = new Map<string, string[]>();
    const addressesOf = (t: TaskRecord) => {
      const key = keyOf(t);
      if (!addresses.has(key)) addresses.set(key, t.handle ? netnsAddresses(t.handle.pid) : []);
      return addresses.get(key)!;
    };
    const ports = new Map<string, number[]>();
    const portsOf = (t: TaskRecord) => {
      const key = keyOf(t);
      if (!ports.has(key)) ports.set(key, delay && t.handle ? listeningPorts(t.handle.pid) : []);
      return ports.get(key)!;
    };
    const peers = new Map<TaskRecord, Peer[]>();
    for (const [a, b] of directed(this.fault.request, from, to))
      if (a.handle)
        peers.set(a, [
          ...(peers.get(a) ?? []),
          ...addressesOf(b).map((address) => ({ address, ports: portsOf(b) })),
        ]);
    return [...peers].map(([task, toPeers]) => {
      const pid = task.handle!.pid;
      return {
        task,
        pid,
        peers: toPeers,
        addresses: addressesOf(task),
        gateway: delay ? gatewayOf(pid) : null,
      };
    });
  }

  /** A delay between containers: a proxy port on each sender's gateway for each peer's port. */
  private async listenForContainers(senders: Sender[]): Promise<boolean> {
    const proxy = this.proxy!;
    let opened = false;
    const accept = (address: string) => this.senderAddresses.has(address.replace(/^::ffff:/, ''));
    for (const { task, peers, gateway } of senders) {
      if (gateway === null)
        throw new FlotillaError(
          'FAULT_UNSUPPORTED',
          `${task.id} has no gateway on its network: a delay needs the host's address on the stack's bridge`,
        );
      for (const { address, ports } of peers)
        for (const port of ports)
          if (proxy.portFor(address, port, gateway) === undefined) {
            await proxy.listen(address, port, gateway, accept);
            opened = true;
          }
    }
    return opened;
  }

  /** Each running sender's namespace gets a chain for what it sends to its peers' addresses now. */
  private syncContainers(senders: Sender[]): void {
    this.senderAddresses = new Set(senders.flatMap((s) => s.addresses));
    for (const sender of senders) {
      const { task, pid, peers } = sender;
      const before = this.senders.get(keyOf(task));
      if (before !== undefined && before.pid !== pid) this.undoIn(before);
      let dev: string | null = null;
      const action = this.containerAction(sender);
      try {
        if (action.kind === 'classify') {
          dev = peers.length > 0 ? deviceToward(pid, peers[0]!.address) : null;
          if (dev !== null) addNetnsClass(pid, dev, action.classid, this.fault.request.rateKbit ?? 0);
        }
        applyInNetns(pid, this.chain, containerRules(this.chain, peers, action));
      } catch (err) {
        // Killed since it was read (a kill fault): its relaunch is synced once seen. A live one was refused.
        if (isAlive(pid)) throw err;
        continue;
      }
      this.senders.set(keyOf(task), { pid, dev });
    }
  }

  /** What the chain in a sending container's namespace does to packets to its peers. */
  private containerAction({ gateway }: Sender): ContainerAction {
    const req = this.fault.request;
    if (req.kind === 'loss') return { kind: 'loss', probability: req.probability ?? 1 };
    if (this.containerClass) return { kind: 'classify', classid: this.containerClass };
    const proxy = this.proxy;
    if (!proxy) return { kind: 'drop' };
    return {
      kind: 'dnat',
      via: (peer, port) => {
        const local = gateway === null ? undefined : proxy.portFor(peer, port, gateway);
        return local === undefined ? undefined : `${gateway}:${local}`;
      },
    };
  }

  /** The bandwidth classes in the senders' namespaces, for the meter. */
  private containerClasses(): { key: string; read: () => Promise<Counters | null> }[] {
    const classid = this.containerClass;
    if (classid === null) return [];
    return [...this.senders.values()]
      .filter((s) => s.dev !== null)
      .map(({ pid, dev }) => ({ key: `${pid}`, read: () => classCounters(classid, tcInNetns(pid), dev!) }));
  }

  private undoIn(sender: { pid: number; dev: string | null }): void {
    removeInNetns(sender.pid, this.chain);
    if (sender.dev !== null) removeNetnsClass(sender.pid, sender.dev, this.containerClass);
  }

  involves(tenant: string, taskId: string): boolean {
    // A node-level fault reaches every tenant's tasks on its nodes, those placed there later too.
    return this.sides !== null || (tenant === this.fault.tenant && this.fault.targets.includes(taskId));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    removeChain(this.chain);
    for (const sender of this.senders.values()) this.undoIn(sender);
    if (this.shaping) {
      this.shaping.meter.stop();
      if (this.shaping.tc) removeShaping(this.shaping.tc);
    }
    await this.proxy?.close();
  }
}

/** A sending container, as one sync reads it (NetworkFault.readContainers). */
interface Sender {
  task: TaskRecord;
  pid: number;
  peers: Peer[];
  addresses: string[];
  gateway: string | null;
}

const inBox = (ts: TaskRecord[]) => ts.filter(ownNetns);
const onHost = (ts: TaskRecord[]) => ts.filter((t) => !ownNetns(t));
/** A task across tenants (a node-level fault's sides hold several tenants' tasks). */
const keyOf = (t: TaskRecord) => `${t.tenant}/${t.id}`;

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
