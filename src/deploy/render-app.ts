import type { AppSpec } from '../core/app.js';
import type { LaunchSpec } from '../core/task.js';

/** A Marathon app instance's launch spec: its command, and the environment Marathon would give it. */
export function renderApp(
  app: AppSpec,
  instance: { taskId: string; host: string; ports: number[] },
): LaunchSpec {
  const env: Record<string, string> = {
    MARATHON_APP_ID: `/${app.id}`,
    MESOS_TASK_ID: instance.taskId,
    HOST: instance.host,
    PORTS: instance.ports.join(','),
  };
  instance.ports.forEach((p, i) => (env[`PORT${i}`] = String(p)));
  if (instance.ports.length > 0) env.PORT = String(instance.ports[0]);
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
  };
}
