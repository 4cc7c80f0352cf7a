import { ownerKey } from '../../core/keys.js';
import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import type { Endpoint } from '../../core/service.js';
import type { LaunchSpec } from '../../core/task.js';
import { hostPort, launchSpec } from '../launch.js';
import type { EndpointContext, PackageDefinition, PlacedTask, TaskSlot } from '../package.js';
import { renderConfig } from './config.js';
import { optionsSchema, readOptions } from './options.js';

const SERVER = { name: 'redis-server', install: 'sudo apt-get install -y redis-server' };
const CONFIG_PATH = 'config/redis.conf';

function portOf(task: PlacedTask): number {
  const port = task.ports[0];
  if (port === undefined || port <= 0) {
    throw new FlotillaError('INTERNAL', `redis task ${task.name} has no assigned port`);
  }
  return port;
}

function splitRoles(ctx: EndpointContext): { primary: PlacedTask; replicas: PlacedTask[] } {
  const primary = ctx.tasks.find((t) => t.role === 'primary');
  if (!primary)
    throw new FlotillaError('INTERNAL', `redis service ${ctx.tenant}/${ctx.service} has no primary task`);
  const replicas = ctx.tasks.filter((t) => t.role === 'replica').sort((a, b) => a.index - b.index);
  return { primary, replicas };
}

export const redis: PackageDefinition = {
  name: 'redis',
  version: '1.0.0',
  description:
    'Redis in-memory data store: one primary and optional read replicas, AOF persistence, optional password. ' +
    "Runs the machine's redis-server.",
  optionsSchema,
  binaries: [SERVER],
  // A replica connects to its primary on its first replication tick and, when nobody listens yet,
  // again a second later: started together, the replica was ready after a second; after its primary,
  // a few milliseconds after that one's sync.
  startsFirst: 'primary',

  layout(options): TaskSlot[] {
    const o = readOptions(options);
    const size = { cpus: o.cpus, mem: o.mem };
    const slots: TaskSlot[] = [{ name: 'redis-0', role: 'primary', index: 0, ports: [o.port], ...size }];
    for (let i = 1; i <= o.replicas; i++) {
      slots.push({ name: `redis-${i}`, role: 'replica', index: i, ports: [0], ...size });
    }
    return slots;
  },

  render(ctx): Record<string, LaunchSpec> {
    const o = readOptions(ctx.options);
    const server = ctx.binaries[SERVER.name];
    if (!server) throw new FlotillaError('INTERNAL', `redis render was not given the path of ${SERVER.name}`);
    const { primary } = splitRoles(ctx);
    portOf(primary);
    const specs: Record<string, LaunchSpec> = {};
    for (const task of ctx.tasks) {
      portOf(task);
      const content = renderConfig({ owner: ownerKey(ctx.tenant, ctx.service), task, primary, options: o });
      const redisCheck: { password?: string; replica: boolean } = { replica: task.role === 'replica' };
      if (o.password !== undefined) redisCheck.password = o.password;
      specs[task.name] = launchSpec({
        // The password lives only in the 0600 config file: argv is world-readable in /proc.
        args: [server, path.join(task.sandbox, CONFIG_PATH)],
        files: [{ path: CONFIG_PATH, content, mode: 0o600 }],
        cpus: o.cpus,
        mem: o.mem,
        healthChecks: [
          {
            protocol: 'REDIS',
            portIndex: 0,
            redis: redisCheck,
            gracePeriodSeconds: 30,
            intervalSeconds: 2,
            timeoutSeconds: 2,
            maxConsecutiveFailures: 3,
          },
        ],
      });
    }
    return specs;
  },

  endpoints(ctx): Endpoint[] {
    const o = readOptions(ctx.options);
    const { primary, replicas } = splitRoles(ctx);
    const primaryPort = portOf(primary);
    const primaryAddr = hostPort(primary.host, primaryPort);
    // The `default` user, spelled out: redis-cli 7.0 ignores a password given with an empty user.
    const auth = o.password === undefined ? '' : `default:${encodeURIComponent(o.password)}@`;
    const values: Record<string, string> = {
      url: `redis://${auth}${primaryAddr}`,
      host: primary.host,
      port: String(primaryPort),
      primary: primaryAddr,
      replicas: replicas.map((t) => hostPort(t.host, portOf(t))).join(','),
    };
    if (o.password !== undefined) values.password = o.password;
    return [
      { name: 'redis', addresses: [primary, ...replicas].map((t) => hostPort(t.host, portOf(t))), values },
    ];
  },
};
