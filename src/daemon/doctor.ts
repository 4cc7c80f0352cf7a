import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { resolveBinary } from '../catalog/binaries.js';
import { resolveJava } from '../catalog/java.js';
import { getPackage, listPackages } from '../catalog/registry.js';
import { repositorySettings } from '../artifacts/settings.js';
import { repositoryPath } from '../core/artifact.js';
import { isFlotillaError } from '../core/errors.js';
import { describeAddress, Engine, engineAddress } from '../drivers/docker/engine.js';
import { detectCgroups } from '../drivers/process/cgroups.js';
import { imageExists } from '../images/build.js';
import { BASE_IMAGE, baseImage } from '../images/layout.js';
import { faultChecks } from '../faults/doctor.js';
import { flotillaHome } from './config.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when the check fails. */
  fix?: string;
  /** Passes, but something optional is missing: shown as `warn`, never as `ok`. */
  warning?: boolean;
}

/** What `flotilla doctor` reports: every package's programs and Java, the repositories, the cache. */
export async function runDoctor(
  artifactsDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const packages = listPackages().map((p) => getPackage(p.name, p.version));
  for (const pkg of packages) {
    for (const b of pkg.binaries)
      checks.push(attempt(`${pkg.name} ${pkg.version}: ${b.name}`, () => resolveBinary(b.name, b.install)));
    if (pkg.jvm) {
      const range = pkg.jvm.javaMajor;
      checks.push(
        attempt(`${pkg.name} ${pkg.version}: Java ${range.min}+`, () => {
          const j = resolveJava(range, `${pkg.name} ${pkg.version}`, env);
          return `${j.version} at ${j.path}`;
        }),
      );
    }
  }
  const settings = repositorySettings(env);
  const probe = packages.find((p) => p.jvm)?.jvm?.lock({}).artifacts[0];
  for (const remote of settings.remotes) {
    const url = probe ? `${remote.url}/${repositoryPath(probe)}` : `${remote.url}/`;
    const status = await head(url);
    checks.push({
      name: `repository ${remote.id} (${remote.source})`,
      ok: typeof status === 'number' && status < 400,
      detail: `HEAD ${url}: ${status}`,
      fix: 'Set FLOTILLA_MAVEN_REPO, or a <mirror> in ~/.m2/settings.xml, to a repository this machine reaches.',
    });
  }
  checks.push(
    attempt('artifact cache', () => {
      fs.mkdirSync(artifactsDir, { recursive: true });
      fs.accessSync(artifactsDir, fs.constants.W_OK);
      return `${artifactsDir} is writable (local Maven repository: ${settings.localRepository})`;
    }),
  );
  checks.push(resourceLimitsCheck(env));
  checks.push(...(await dockerChecks(env)));
  checks.push(...(await faultChecks()));
  return checks;
}

/**
 * The Docker engine, the base image and debootstrap. Optional unless FLOTILLA_DRIVER=docker: without
 * them only the docker driver and `flotilla images` are unavailable, so they warn instead of failing.
 */
async function dockerChecks(env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const required = env.FLOTILLA_DRIVER === 'docker';
  const warn = (name: string, detail: string, fix: string): DoctorCheck =>
    required
      ? { name, ok: false, detail, fix }
      : { name, ok: true, warning: true, detail: `${detail}; ${fix}` };
  const checks: DoctorCheck[] = [];
  const debootstrap = attempt('debootstrap (builds the base image)', () =>
    resolveBinary('debootstrap', 'sudo apt-get install -y debootstrap', env),
  );
  let engine: Engine;
  try {
    engine = new Engine(engineAddress(env.DOCKER_HOST ?? ''));
  } catch (err) {
    return [warn('docker engine', (err as Error).message, 'fix or unset DOCKER_HOST'), optional(debootstrap)];
  }
  const where = describeAddress(engine.address);
  try {
    const v = await engine.version();
    checks.push({
      name: 'docker engine',
      ok: true,
      detail: `Docker ${v.Version} (API ${v.ApiVersion}) at ${where}`,
    });
    checks.push(await baseImageCheck(engine, baseImage(env), warn));
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
    const detail = message.includes(where) ? message : `no Docker engine answers at ${where}: ${message}`;
    const fix = 'run `bash scripts/docker-engine.sh`, or point DOCKER_HOST at an engine';
    checks.push(warn('docker engine', `${detail}; the docker driver is unavailable`, fix));
  } finally {
    engine.close();
  }
  // Only building our base needs it: a warning even when Docker is required.
  checks.push(optional(debootstrap));
  return checks;
}

function optional(check: DoctorCheck): DoctorCheck {
  return check.ok ? check : { name: check.name, ok: true, warning: true, detail: check.detail };
}

async function baseImageCheck(
  engine: Engine,
  base: string,
  warn: (name: string, detail: string, fix: string) => DoctorCheck,
): Promise<DoctorCheck> {
  const name = 'docker base image';
  try {
    if (await imageExists(engine, base)) return { name, ok: true, detail: `${base} is present` };
  } catch (err) {
    return warn(name, `cannot look up ${base}: ${(err as Error).message}`, 'check the Docker engine');
  }
  const fix =
    base === BASE_IMAGE
      ? 'run `flotilla images build` (debootstrap, as root)'
      : 'run `flotilla images build` to pull it, or `docker load` it';
  return warn(name, `${base} is missing (catalog images are built on it)`, fix);
}

/** A warning, never a failure: without cgroups tasks still run, their cpus and mem just are not enforced. */
function resourceLimitsCheck(env: NodeJS.ProcessEnv): DoctorCheck {
  const off = env.FLOTILLA_CGROUPS === 'off';
  const support = detectCgroups(off ? 'off' : 'auto', flotillaHome(env));
  if (support.mechanism !== 'none') {
    const version = support.mechanism === 'cgroup-v1' ? 'v1' : 'v2';
    const cpu =
      env.FLOTILLA_CGROUPS === 'strict' ? 'cpu quota' : 'cpu weight (FLOTILLA_CGROUPS=strict: a quota)';
    return { name: 'resource limits', ok: true, detail: `cgroup ${version} (${cpu}, memory limit)` };
  }
  const fix = off
    ? 'unset FLOTILLA_CGROUPS to enforce them'
    : 'to enforce them, run the daemon as root where cgroups (v1 or v2) are writable';
  return {
    name: 'resource limits',
    ok: true,
    warning: true,
    detail: `none, cpus and mem are not enforced: ${support.reason}; ${fix}`,
  };
}

function attempt(name: string, fn: () => string): DoctorCheck {
  try {
    return { name, ok: true, detail: fn() };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { name, ok: false, detail: message, ...(isFlotillaError(err) ? { fix: err.hint } : {}) };
  }
}

function head(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.request : http.request;
    const req = get(url, { method: 'HEAD', timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 5 s')));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
}
