/**
 * The Spark runtime: PySpark from PyPI in a virtual environment that Flotilla manages, one per Spark
 * version, shared by every service of that version. The pyspark package carries Spark's jars and
 * launch scripts, so its directory is a SPARK_HOME; its Python is the PYSPARK_PYTHON of every job.
 *
 *   <artifacts>/pyspark/<version>/
 *     venv/            python -m venv, then pip install pyspark==<version> (pip's own configuration)
 *     spark-home  ->   venv/lib/pythonX.Y/site-packages/pyspark
 *     installed.json   written last: the runtime is complete and verified
 *     install.lock/    held while installing, across processes
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import { withDirLock } from './dir-lock.js';

export interface SparkRuntime {
  version: string;
  root: string;
  python: string;
  /** The pyspark package directory, through the stable `spark-home` link. */
  sparkHome: string;
  sparkClass: string;
  sparkSubmit: string;
}

interface Marker {
  version: string;
  python: string;
  pysparkDir: string;
  installedAt: string;
  installSeconds: number;
}

export interface EnsureOptions {
  /** The Python that creates the venv: FLOTILLA_PYTHON, else python3 on PATH. */
  python?: string;
  /** pip's and venv's output, as it comes. */
  onOutput?: (chunk: string) => void;
  /** For the whole install; a cold one downloads ~435 MB and builds a wheel. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const MARKER = 'installed.json';
const INSTALL_TIMEOUT_MS = 20 * 60_000;
const VERSION = /^\d+\.\d+\.\d+$/;

/** Where a version's runtime lives; pure, so render can name the paths before the install runs. */
export function sparkRuntimePaths(artifactsDir: string, version: string): SparkRuntime {
  if (!VERSION.test(version)) throw new FlotillaError('INTERNAL', `not a Spark version: "${version}"`);
  const root = path.join(path.resolve(artifactsDir), 'pyspark', version);
  const sparkHome = path.join(root, 'spark-home');
  return {
    version,
    root,
    python: path.join(root, 'venv', 'bin', 'python'),
    sparkHome,
    sparkClass: path.join(sparkHome, 'bin', 'spark-class'),
    sparkSubmit: path.join(sparkHome, 'bin', 'spark-submit'),
  };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Whether every user may run `file`: it, and every folder on its real path, let others through.
 * Tenants' tasks (their own Unix users) run the venv's Python; one made from a Python in root's
 * home (pyenv) would be out of their reach.
 */
function everyoneMayRun(file: string): boolean {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return false;
  }
  for (let p = real; ; p = path.dirname(p)) {
    if ((fs.statSync(p).mode & 0o001) === 0) return false;
    if (p === path.dirname(p)) return true;
  }
}

/** The Python a venv is made from: FLOTILLA_PYTHON, else python3 on PATH if everyone may run it, else the system's. */
function basePython(env: NodeJS.ProcessEnv): string {
  if (env.FLOTILLA_PYTHON) return env.FLOTILLA_PYTHON;
  for (const dir of (env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, 'python3');
    if (isExecutable(candidate)) return everyoneMayRun(candidate) ? candidate : '/usr/bin/python3';
  }
  return 'python3';
}

/** The runtime when its marker says it is complete and its programs are still there. */
function installed(rt: SparkRuntime): Marker | undefined {
  let marker: Marker;
  try {
    marker = JSON.parse(fs.readFileSync(path.join(rt.root, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
  const complete =
    marker.version === rt.version &&
    isExecutable(rt.python) &&
    everyoneMayRun(rt.python) &&
    isExecutable(rt.sparkClass) &&
    isExecutable(rt.sparkSubmit) &&
    fs.existsSync(path.join(rt.sparkHome, 'jars'));
  return complete ? marker : undefined;
}

const inFlight = new Map<string, Promise<SparkRuntime>>();

/**
 * The runtime of `version` under `artifactsDir`, installed first if it is not complete. Idempotent
 * and safe to call concurrently, from one process or several: callers of one process share one
 * install, and processes take turns through a lock directory.
 */
export function ensureSparkRuntime(
  artifactsDir: string,
  version: string,
  opts: EnsureOptions = {},
): Promise<SparkRuntime> {
  const rt = sparkRuntimePaths(artifactsDir, version);
  if (installed(rt)) return Promise.resolve(rt);
  let pending = inFlight.get(rt.root);
  if (!pending) {
    const timeoutMs = opts.timeoutMs ?? INSTALL_TIMEOUT_MS;
    pending = withDirLock(
      path.join(rt.root, 'install.lock'),
      { waitMs: timeoutMs + 60_000, staleMs: timeoutMs + 60_000 },
      async () => {
        // Another process may have finished while this one waited for the lock.
        if (!installed(rt)) await install(rt, { ...opts, timeoutMs });
        return rt;
      },
    ).finally(() => inFlight.delete(rt.root));
    inFlight.set(rt.root, pending);
  }
  return pending;
}

async function install(rt: SparkRuntime, opts: EnsureOptions & { timeoutMs: number }): Promise<void> {
  const started = Date.now();
  const env: NodeJS.ProcessEnv = {
    ...(opts.env ?? process.env),
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
  };
  const deadline = started + opts.timeoutMs;
  const venv = path.dirname(path.dirname(rt.python));
  // A half-made venv (killed install) is not worth repairing: start over.
  fs.rmSync(path.join(rt.root, MARKER), { force: true });
  fs.rmSync(rt.sparkHome, { force: true });
  fs.rmSync(venv, { recursive: true, force: true });

  const base = opts.python ?? basePython(env);
  const made = await run(base, ['-m', 'venv', venv], env, deadline, opts.onOutput);
  if (made.code !== 0) {
    throw new FlotillaError(
      'BINARY_MISSING',
      `cannot create the PySpark virtual environment with "${base} -m venv" (${made.why}): install ` +
        'Python 3.9 or newer with its venv module ("sudo apt-get install -y python3-venv"), or set FLOTILLA_PYTHON',
      { output: made.tail },
    );
  }
  // No index or mirror is named here: pip's own configuration (pip.conf, PIP_* variables) decides.
  const pip = await run(
    rt.python,
    ['-m', 'pip', 'install', `pyspark==${rt.version}`],
    env,
    deadline,
    opts.onOutput,
  );
  if (pip.code !== 0) {
    throw new FlotillaError(
      'ARTIFACT_UNREACHABLE',
      `pip install pyspark==${rt.version} failed (${pip.why}); check pip's configuration ` +
        `("${rt.python} -m pip config list") and that its index serves pyspark ${rt.version}: ${pip.tail}`,
      { output: pip.tail },
    );
  }
  const probe = await run(
    rt.python,
    [
      '-c',
      'import json, os, pyspark; print(json.dumps([pyspark.__version__, os.path.dirname(pyspark.__file__)]))',
    ],
    env,
    deadline,
  );
  const [found, pysparkDir] = probe.code === 0 ? (JSON.parse(probe.stdout) as [string, string]) : [];
  if (found !== rt.version || !pysparkDir) {
    throw new FlotillaError(
      'ARTIFACT_CORRUPT',
      `the PySpark virtual environment at ${venv} does not import pyspark ${rt.version} ` +
        `(${found ? `got ${found}` : probe.tail}); remove ${rt.root} and try again`,
    );
  }
  // pip installs the launch scripts without their execute bit on some platforms and versions.
  for (const script of ['spark-class', 'spark-submit', 'load-spark-env.sh', 'find-spark-home']) {
    const file = path.join(pysparkDir, 'bin', script);
    if (fs.existsSync(file)) fs.chmodSync(file, 0o755);
  }
  // Relative, so that the link does not name the artifacts directory twice.
  fs.symlinkSync(path.relative(rt.root, pysparkDir), rt.sparkHome);
  const marker: Marker = {
    version: rt.version,
    python: (await run(rt.python, ['-c', 'import sys; print(sys.version.split()[0])'], env, deadline)).stdout,
    pysparkDir,
    installedAt: new Date().toISOString(),
    installSeconds: Math.round((Date.now() - started) / 100) / 10,
  };
  const tmp = path.join(rt.root, `${MARKER}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, `${JSON.stringify(marker, null, 2)}\n`);
  fs.renameSync(tmp, path.join(rt.root, MARKER));
  if (!installed(rt)) {
    throw new FlotillaError('ARTIFACT_CORRUPT', `pyspark ${rt.version} at ${pysparkDir} lacks bin/ or jars/`);
  }
}

interface RunResult {
  code: number | null;
  /** What went wrong, for a message: "exit 1", "timed out", "spawn python3 ENOENT". */
  why: string;
  stdout: string;
  /** The last lines of the combined output. */
  tail: string;
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  deadline: number,
  onOutput?: (chunk: string) => void,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let combined = '';
    const keep = (chunk: Buffer, out: boolean) => {
      const text = chunk.toString();
      if (out) stdout += text;
      combined = (combined + text).slice(-8192);
      onOutput?.(text);
    };
    child.stdout.on('data', (c: Buffer) => keep(c, true));
    child.stderr.on('data', (c: Buffer) => keep(c, false));
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          // already gone
        }
      },
      Math.max(0, deadline - Date.now()),
    );
    const tail = () => combined.trimEnd().split('\n').slice(-15).join('\n');
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, why: err.message, stdout, tail: tail() });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const why = timedOut ? 'timed out' : signal ? `killed by ${signal}` : `exit ${code}`;
      resolve({ code: timedOut ? null : code, why, stdout: stdout.trim(), tail: tail() });
    });
  });
}
