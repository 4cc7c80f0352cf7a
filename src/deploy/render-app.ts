import type { AppSpec } from '../core/app.js';
import type { ContainerSpec, LaunchSpec } from '../core/task.js';

export interface AppInstance {
  taskId: string;
  host: string;
  ports: number[];
  /** The instance's index among the app's instances (0-based). */
  index: number;
}

/**
 * A Marathon app instance's launch spec: its command, and the environment Marathon would give it. A
 * container app (a Compose service) gets only its own environment and the Marathon ids: HOST and
 * PORTn name the host side, which is not where a container listens (unless it is on the host's network).
 */
export function renderApp(app: AppSpec, instance: AppInstance): LaunchSpec {
  const env: Record<string, string> = {
    MARATHON_APP_ID: `/${app.id}`,
    MESOS_TASK_ID: instance.taskId,
  };
  if (!app.container || app.container.hostNetwork) {
    env.HOST = instance.host;
    env.PORTS = instance.ports.join(',');
    instance.ports.forEach((p, i) => (env[`PORT${i}`] = String(p)));
    if (instance.ports.length > 0) env.PORT = String(instance.ports[0]);
  }
  return {
    ...(app.cmd !== undefined ? { cmd: app.cmd } : { args: app.args ?? [] }),
    env: { ...env, ...app.env },
    secretEnv: [],
    files: [],
    cpus: app.cpus,
    mem: app.mem,
    disk: app.disk,
    healthChecks: app.healthChecks,
    killGracePeriodSeconds: app.taskKillGracePeriodSeconds,
    backoff: {
      backoffSeconds: app.backoffSeconds,
      backoffFactor: app.backoffFactor,
      maxLaunchDelaySeconds: app.maxLaunchDelaySeconds,
    },
    dependsOn: app.dependencies,
    ...(app.driver !== undefined ? { driver: app.driver } : {}),
    ...(app.container ? { container: instanceContainer(app.id, app.container, instance, app.labels) } : {}),
    ...(app.restart !== undefined ? { restart: app.restart } : {}),
    ...(app.dependsOnCondition !== undefined ? { dependsOnCondition: app.dependsOnCondition } : {}),
  };
}

/**
 * Every replica answers to the service's name (as in Compose) and to its own `<id>-<index>`; a
 * Compose service's replica to Compose's container names instead, numbered from 1.
 */
function instanceContainer(
  id: string,
  c: ContainerSpec,
  instance: AppInstance,
  labels: Record<string, string>,
): ContainerSpec {
  const n = instance.index + 1;
  const own = c.compose
    ? [`${c.compose.service}-${n}`, `${c.compose.project}-${c.compose.service}-${n}`]
    : [`${id}-${instance.index}`];
  return {
    ...c,
    aliases: [...new Set([id, ...own, ...c.aliases])],
    publish: c.publish.map((p, i) => ({ ...p, hostPort: instance.ports[i] ?? p.hostPort })),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
  };
}
