import { ownerKey } from '../../core/keys.js';
import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import type { HealthCheckSpec } from '../../core/health.js';
import type { Endpoint } from '../../core/service.js';
import type { LaunchSpec } from '../../core/task.js';
import { hostPort, launchSpec } from '../launch.js';
import {
  ONE_PER_NODE,
  type EndpointContext,
  type PackageDefinition,
  type PlacedTask,
  type TaskSlot,
} from '../package.js';
import { LOGBACK_XML, renderZooCfg, serverId } from './config.js';
import { loadLock } from '../jvm/lock.js';
import { optionsSchema, readOptions } from './options.js';

export const ZOOKEEPER_VERSION = '3.8.4';
const MAIN_CLASS = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';
const ZOO_CFG = 'config/zoo.cfg';
const LOGBACK = 'config/logback.xml';

function servers(ctx: EndpointContext): PlacedTask[] {
  const found = ctx.tasks.filter((t) => t.role === 'server').sort((a, b) => a.index - b.index);
  if (found.length === 0) {
    throw new FlotillaError('INTERNAL', `zookeeper service ${ctx.tenant}/${ctx.service} has no server task`);
  }
  for (const t of found) {
    if (t.ports.length < 3 || t.ports.some((p) => !(p > 0))) {
      throw new FlotillaError('INTERNAL', `zookeeper task ${t.name} has no assigned ports`);
    }
  }
  return found;
}

function healthChecks(): HealthCheckSpec[] {
  const timing = { gracePeriodSeconds: 60, intervalSeconds: 3, timeoutSeconds: 2 };
  return [
    // Readiness: serving requests, i.e. part of a quorum. Never kills (0): a server that lost its
    // quorum does not get it back by restarting, and failure experiments want to watch it wait.
    { protocol: 'ZOOKEEPER', portIndex: 0, ...timing, maxConsecutiveFailures: 0 },
    // Liveness: the process still accepts connections.
    { protocol: 'TCP', portIndex: 0, ...timing, maxConsecutiveFailures: 3 },
  ];
}

export const zookeeper: PackageDefinition = {
  name: 'zookeeper',
  version: ZOOKEEPER_VERSION,
  description:
    'Apache ZooKeeper: a standalone server or an ensemble of 3 or 5, one server per node. ' +
    'Endpoint value `connect` is the connection string (host:port,...).',
  optionsSchema,
  binaries: [],
  jvm: { lock: () => loadLock('zookeeper', ZOOKEEPER_VERSION), javaMajor: { min: 11 } },

  layout(options): TaskSlot[] {
    const o = readOptions(options);
    return Array.from({ length: o.servers }, (_, i) => ({
      name: `zk-${i}`,
      role: 'server',
      index: i,
      // client, quorum (follower → leader), leader election
      ports: [o.port, 0, 0],
      cpus: o.cpus,
      mem: o.mem,
      constraints: ONE_PER_NODE,
    }));
  },

  render(ctx): Record<string, LaunchSpec> {
    const o = readOptions(ctx.options);
    if (!ctx.java || !ctx.classpath) {
      throw new FlotillaError('INTERNAL', 'zookeeper render was not given a java and a classpath');
    }
    const members = servers(ctx);
    const specs: Record<string, LaunchSpec> = {};
    for (const task of members) {
      const zooCfg = renderZooCfg({ owner: ownerKey(ctx.tenant, ctx.service), task, members, options: o });
      specs[task.name] = launchSpec({
        args: [
          ctx.java,
          `-Xmx${o.heapMb}m`,
          `-Xms${o.heapMb}m`,
          '-XX:+UseG1GC',
          // Die rather than limp on: the supervisor restarts a dead task, not a thrashing one.
          '-XX:+ExitOnOutOfMemoryError',
          '-Djava.awt.headless=true',
          `-Dlogback.configurationFile=${path.join(task.sandbox, LOGBACK)}`,
          '-cp',
          ctx.classpath.join(':'),
          MAIN_CLASS,
          path.join(task.sandbox, ZOO_CFG),
        ],
        files: [
          { path: ZOO_CFG, content: zooCfg },
          { path: LOGBACK, content: LOGBACK_XML },
          // ZooKeeper reads its server id from dataDir/myid.
          { path: 'data/myid', content: `${serverId(task)}\n` },
        ],
        cpus: o.cpus,
        mem: o.mem,
        healthChecks: healthChecks(),
      });
    }
    return specs;
  },

  endpoints(ctx): Endpoint[] {
    const members = servers(ctx);
    const addresses = members.map((t) => hostPort(t.host, t.ports[0] as number));
    return [
      {
        name: 'zookeeper',
        addresses,
        values: {
          connect: addresses.join(','),
          hosts: members.map((t) => t.host).join(','),
        },
      },
    ];
  },
};
