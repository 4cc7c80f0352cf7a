import fs from 'node:fs';
import path from 'node:path';
import { resolveJava } from '../catalog/java.js';
import { getPackage } from '../catalog/registry.js';
import { connectorLock } from '../catalog/spark/connectors.js';
import { ensureSparkRuntime } from '../catalog/spark/runtime.js';
import { parseApplicationId, submitArgs, submitEnv, type SubmitRequest } from '../catalog/spark/submit.js';
import type { LockedArtifact } from '../core/artifact.js';
import { FlotillaError } from '../core/errors.js';
import { ALIVE_STATES } from '../core/task.js';
import { serviceEndpoints } from '../deploy/render-service.js';
import type { Paths } from '../core/paths.js';
import type { JobContext, JobLaunch, JobLauncher } from './launcher.js';

export interface SparkLauncherDeps {
  paths: Paths;
  /** Brings pinned jars into the verified cache; their cache paths, in order. */
  ensureArtifacts(artifacts: LockedArtifact[]): Promise<string[]>;
}

/** Beyond the driver's heap: its launcher JVM, metaspace and threads, and PySpark's Python driver. */
const DRIVER_OVERHEAD_MB = 1024;

/** spark.driver.memory in MB ("1g", "512m", "2048" = MiB, as Spark reads it). */
export function driverMemoryMb(value: string | undefined): number {
  const m = /^\s*(\d+)\s*([kmgt]?)b?\s*$/i.exec(value ?? '1g');
  if (!m) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `conf.spark.driver.memory: "${value}" is not a size such as 1g`,
    );
  }
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const mb = unit === 'k' ? n / 1024 : unit === 'g' ? n * 1024 : unit === 't' ? n * 1024 * 1024 : n;
  return Math.max(1, Math.ceil(mb));
}

/**
 * Jobs on a Spark standalone service: spark-submit in client mode against its master, from the
 * runtime of the service's version, with the Java its package asks for. The driver runs on this
 * machine, bound to 127.0.0.1; its executors run inside the worker tasks.
 */
export function sparkLauncher(deps: SparkLauncherDeps): JobLauncher {
  return {
    async prepare(ctx: JobContext): Promise<JobLaunch> {
      const { service, spec } = ctx;
      const master = ctx.tasks.find((t) => t.role === 'master');
      if (!master || !ALIVE_STATES.has(master.state)) {
        throw new FlotillaError(
          'SERVICE_NOT_READY',
          `service ${service.name}: its master is ${master ? master.state : 'not placed yet'}; jobs need a running master`,
        );
      }
      const masterUrl = serviceEndpoints(deps.paths, service, ctx.tasks).values.masterUrl;
      if (!masterUrl) throw new FlotillaError('INTERNAL', `service ${service.name} has no masterUrl`);
      const pkg = getPackage(service.package, service.version);
      const java = resolveJava(pkg.jvm?.javaMajor ?? { min: 17 }, `package spark ${service.version}`).path;
      // Installed already when the service runs; a no-op then.
      const runtime = await ensureSparkRuntime(deps.paths.artifacts, service.version);
      const connectorJars: string[] = [];
      for (const name of spec.connectors) {
        connectorJars.push(...(await deps.ensureArtifacts(connectorLock(service.version, name).artifacts)));
      }
      const req: SubmitRequest = {
        runtime,
        java,
        masterUrl,
        app: spec.app,
        args: spec.args,
        ...(spec.mainClass ? { mainClass: spec.mainClass } : {}),
        jars: [...connectorJars, ...spec.jars],
        conf: spec.conf,
        workDir: ctx.workDir,
        env: {
          FLOTILLA_HOME: ctx.home,
          FLOTILLA_JOB: `${ctx.tenant}/${service.name}/${ctx.id}`,
          FLOTILLA_DATA: ctx.dataDir,
        },
      };
      const env = submitEnv(req);
      fs.mkdirSync(env.TMPDIR as string, { recursive: true });
      fs.mkdirSync(path.join(ctx.workDir, 'local'), { recursive: true });
      return {
        args: submitArgs(req),
        env,
        cpus: 1,
        mem: driverMemoryMb(spec.conf['spark.driver.memory']) + DRIVER_OVERHEAD_MB,
      };
    },
    applicationId: parseApplicationId,
  };
}
