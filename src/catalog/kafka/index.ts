import { ownerKey } from '../../core/keys.js';
import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import type { HealthCheckSpec } from '../../core/health.js';
import type { Endpoint } from '../../core/service.js';
import type { ConfigFile, LaunchSpec } from '../../core/task.js';
import { hostPort, launchSpec } from '../launch.js';
import type { PackageDefinition, RenderContext } from '../package.js';
import { renderServerProperties, ZK_SESSION_TIMEOUT_MS, zookeeperConnect } from './config.js';
import { loadLock } from '../jvm/lock.js';
import { ensureTopics } from './topics.js';
import { loggingConfig } from './logging.js';
import { optionsSchema } from './options.js';
import { readOptions } from './read-options.js';
import { brokerJvmFlags, isClusterId, newClusterId, renderStartScript } from './start-script.js';
import { type KafkaNode, layoutSlots, nodesOf } from './topology.js';

const PROPERTIES = 'config/server.properties';
const START_SCRIPT = 'bin/start.sh';
/** ZooKeeper expires a session up to one tick (2 s by default) after its timeout. */
const CRASH_WAIT_SECONDS = Math.ceil(ZK_SESSION_TIMEOUT_MS / 1000) + 2;
const TIMING = { gracePeriodSeconds: 120, intervalSeconds: 3, timeoutSeconds: 3 };

function healthChecks(node: KafkaNode): HealthCheckSpec[] {
  // A controller-only node serves no clients; its quorum port accepting connections is all we can see.
  if (!node.broker) return [{ protocol: 'TCP', portIndex: 0, ...TIMING, maxConsecutiveFailures: 3 }];
  return [
    // Readiness: registered and serving metadata. Never kills (0): a broker cut off from its
    // controllers does not rejoin faster for being restarted, and experiments want to watch it.
    {
      protocol: 'KAFKA',
      portIndex: 0,
      kafka: { brokerId: node.nodeId },
      ...TIMING,
      maxConsecutiveFailures: 0,
    },
    // Liveness: the process still accepts connections.
    { protocol: 'TCP', portIndex: 0, ...TIMING, maxConsecutiveFailures: 3 },
  ];
}

/** The KRaft cluster id, made once and kept in the service state: a new id would orphan the data. */
function clusterIdOf(ctx: RenderContext): string {
  if (!isClusterId(ctx.state.clusterId)) ctx.state.clusterId = newClusterId();
  return ctx.state.clusterId;
}

/** One Kafka version; 3.x and 4.x differ in ZooKeeper support, logging and internal topics. */
export function kafkaPackage(version: string): PackageDefinition {
  const major = Number(version.split('.')[0]);
  const modes = major >= 4 ? 'KRaft' : 'KRaft or ZooKeeper mode';
  return {
    name: 'kafka',
    version,
    description:
      `Apache Kafka ${version} (${modes}): brokers on their own nodes, optional separate controllers, ` +
      'declared topics. Endpoint values `bootstrap` (host:port,...) and `bootstrapServers`.',
    optionsSchema: optionsSchema(major),
    binaries: [],
    jvm: { lock: () => loadLock('kafka', version), javaMajor: { min: major >= 4 ? 17 : 11 } },

    layout: (options) => layoutSlots(readOptions(options, version)),

    render(ctx): Record<string, LaunchSpec> {
      const o = readOptions(ctx.options, version);
      const { java, classpath } = ctx;
      if (!java || !classpath)
        throw new FlotillaError('INTERNAL', 'kafka render was not given a java and a classpath');
      const owner = ownerKey(ctx.tenant, ctx.service);
      const nodes = nodesOf(ctx.tasks, o);
      const zookeeper =
        o.zookeeper === undefined ? undefined : zookeeperConnect(o.zookeeper, ctx.tenant, ctx.service);
      const clusterId = o.mode === 'kraft' ? clusterIdOf(ctx) : undefined;
      const logging = loggingConfig(major);
      const specs: Record<string, LaunchSpec> = {};
      for (const node of nodes) {
        const { task } = node;
        const properties = path.join(task.sandbox, PROPERTIES);
        const logFlag = logging.jvmFlag(path.join(task.sandbox, logging.path));
        const jvmFlags = brokerJvmFlags(o.heapMb, logFlag);
        const files: ConfigFile[] = [
          {
            path: PROPERTIES,
            content: renderServerProperties({ owner, node, nodes, options: o, major, zookeeper }),
          },
          { path: logging.path, content: logging.content },
        ];
        const script = renderStartScript({
          owner,
          taskName: task.name,
          java,
          classpath,
          jvmFlags,
          properties,
          logDir: path.join(task.sandbox, 'data', 'logs'),
          ...(clusterId === undefined
            ? { crashWaitSeconds: CRASH_WAIT_SECONDS }
            : { format: { clusterId, logFlag } }),
        });
        files.push({ path: START_SCRIPT, content: script, mode: 0o755 });
        specs[task.name] = launchSpec({
          args: ['/bin/sh', path.join(task.sandbox, START_SCRIPT)],
          files,
          cpus: o.cpus,
          mem: o.mem,
          healthChecks: healthChecks(node),
          // A broker's controlled shutdown moves its partition leaders away first.
          killGracePeriodSeconds: 30,
        });
      }
      return specs;
    },

    endpoints(ctx): Endpoint[] {
      const o = readOptions(ctx.options, version);
      const nodes = nodesOf(ctx.tasks, o);
      const addresses = nodes
        .filter((n) => n.broker)
        .map((n) => hostPort(n.task.host, n.clientPort as number));
      const values: Record<string, string> = {
        bootstrap: addresses.join(','),
        bootstrapServers: `bootstrap.servers=${addresses.join(',')}`,
      };
      if (o.zookeeper !== undefined)
        values.zookeeper = zookeeperConnect(o.zookeeper, ctx.tenant, ctx.service);
      else {
        values.bootstrapControllers = nodes
          .filter((n) => n.controller)
          .map((n) => hostPort(n.task.host, n.controllerPort as number))
          .join(',');
      }
      return [{ name: 'kafka', addresses, values }];
    },

    async afterReady(ctx): Promise<void> {
      const o = readOptions(ctx.options, version);
      const brokers = nodesOf(ctx.tasks, o)
        .filter((n) => n.broker)
        .map((n) => hostPort(n.task.host, n.clientPort as number));
      await ensureTopics(brokers, o.topics, ctx);
    },
  };
}

export const KAFKA_3_VERSION = '3.9.1';
/** The newest Kafka 4 whose artifacts are all on Maven Central (4.4.0 lacks kafka-tools-api). */
export const KAFKA_4_VERSION = '4.3.1';

export const kafka3 = kafkaPackage(KAFKA_3_VERSION);
export const kafka4 = kafkaPackage(KAFKA_4_VERSION);
