/**
 * spark-submit in client mode against a standalone master: the driver runs here, its executors on
 * the workers. argv only, no shell; the driver's output is streamed to the caller as it comes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import type { SparkRuntime } from './runtime.js';

export interface SubmitRequest {
  runtime: SparkRuntime;
  /** The `java` the driver runs on (JAVA_HOME is derived from it). */
  java: string;
  /** spark://host:port */
  masterUrl: string;
  /** A .py file, or a .jar (with `mainClass` unless its manifest names one). */
  app: string;
  args?: string[];
  mainClass?: string;
  name?: string;
  /** The driver's own address: executors connect back to it. Default 127.0.0.1. */
  driverHost?: string;
  executorMemoryMb?: number;
  /** spark.cores.max: the cores the application takes from the whole cluster. */
  totalExecutorCores?: number;
  /** Extra jars for driver and executors (e.g. the Kafka connector's, from the artifact cache). */
  jars?: string[];
  pyFiles?: string[];
  conf?: Record<string, string>;
  /** The driver's scratch directory (local dirs, temp files, Ivy cache); created if missing. */
  workDir: string;
  /** Extra environment for the driver (HOME, LANG, ...); the Spark variables are set here. */
  env?: Record<string, string>;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Aborting stops the driver (SIGTERM, then SIGKILL); the result then has a signal. */
  signal?: AbortSignal;
  /** Grace between SIGTERM and SIGKILL when stopping, in ms. */
  killGraceMs?: number;
}

export interface SubmitResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** app-YYYYMMDDhhmmss-NNNN, as the master named the application; unset if it never registered. */
  applicationId?: string;
  durationMs: number;
}

/** The standalone master's application id, as the driver logs it once registered. */
const APP_ID = /\b(app-\d{14}-\d{4,})\b/;

export function parseApplicationId(text: string): string | undefined {
  const registered = /Connected to Spark cluster with app ID (\S+)/.exec(text)?.[1];
  return registered ?? APP_ID.exec(text)?.[1];
}

/** The spark-submit argv for a request (exported for tests and for showing the user what runs). */
export function submitArgs(req: SubmitRequest): string[] {
  const ext = path.extname(req.app).toLowerCase();
  if (ext !== '.py' && ext !== '.jar') {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `cannot submit ${req.app}: a Spark application is a .py or a .jar file`,
    );
  }
  const host = req.driverHost ?? '127.0.0.1';
  const conf: Record<string, string> = {
    'spark.driver.host': host,
    'spark.driver.bindAddress': host,
    'spark.local.dir': path.join(req.workDir, 'local'),
    'spark.jars.ivy': path.join(req.workDir, 'ivy'),
    // The executors' Python: the same runtime, at the same path on every node.
    'spark.pyspark.python': req.runtime.python,
    'spark.pyspark.driver.python': req.runtime.python,
    ...req.conf,
  };
  const args = [req.runtime.sparkSubmit, '--master', req.masterUrl, '--deploy-mode', 'client'];
  if (req.name) args.push('--name', req.name);
  if (req.mainClass) args.push('--class', req.mainClass);
  if (req.executorMemoryMb) args.push('--executor-memory', `${req.executorMemoryMb}m`);
  if (req.totalExecutorCores) args.push('--total-executor-cores', String(req.totalExecutorCores));
  if (req.jars?.length) args.push('--jars', req.jars.join(','));
  if (req.pyFiles?.length) args.push('--py-files', req.pyFiles.join(','));
  for (const [k, v] of Object.entries(conf)) args.push('--conf', `${k}=${v}`);
  return [...args, req.app, ...(req.args ?? [])];
}

export function submitEnv(req: SubmitRequest): Record<string, string> {
  const javaHome = path.dirname(path.dirname(req.java));
  const tmp = path.join(req.workDir, 'tmp');
  return {
    HOME: process.env.HOME ?? req.workDir,
    LANG: 'C.UTF-8',
    PYTHONIOENCODING: 'utf-8',
    ...req.env,
    SPARK_HOME: req.runtime.sparkHome,
    JAVA_HOME: javaHome,
    PATH: [
      path.join(javaHome, 'bin'),
      path.dirname(req.runtime.python),
      '/usr/local/bin',
      '/usr/bin',
      '/bin',
    ].join(':'),
    PYSPARK_PYTHON: req.runtime.python,
    PYSPARK_DRIVER_PYTHON: req.runtime.python,
    SPARK_LOCAL_IP: req.driverHost ?? '127.0.0.1',
    // The driver JVM's temp files (and no hsperfdata) away from /tmp; Python's temp files too.
    SPARK_SUBMIT_OPTS: `-Djava.io.tmpdir=${tmp} -XX:-UsePerfData`,
    TMPDIR: tmp,
  };
}

/** Runs the application to its end; rejects only when spark-submit cannot be started at all. */
export function submit(req: SubmitRequest): Promise<SubmitResult> {
  const args = submitArgs(req);
  const env = submitEnv(req);
  fs.mkdirSync(env.TMPDIR as string, { recursive: true });
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // Its own process group: the driver JVM and the Python it starts stop together.
    const child = spawn(args[0] as string, args.slice(1), {
      cwd: req.workDir,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let applicationId: string | undefined;
    // Lines can straddle chunks: look for the id in a short rolling window.
    let window = '';
    const watch = (text: string) => {
      if (applicationId) return;
      window = (window + text).slice(-4096);
      applicationId = parseApplicationId(window);
    };
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      watch(c);
      req.onStdout?.(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      watch(c);
      req.onStderr?.(c);
    });
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid as number), signal);
      } catch {
        // already gone
      }
    };
    let escalate: NodeJS.Timeout | undefined;
    const abort = () => {
      kill('SIGTERM');
      escalate = setTimeout(() => kill('SIGKILL'), req.killGraceMs ?? 10_000);
    };
    if (req.signal?.aborted) abort();
    else req.signal?.addEventListener('abort', abort, { once: true });
    child.once('error', (err) => {
      req.signal?.removeEventListener('abort', abort);
      reject(new FlotillaError('BINARY_MISSING', `cannot run ${args[0]}: ${err.message}`));
    });
    // The driver is gone; anything left in its group (a stuck Python worker) goes with it, and
    // with it the pipes it held open, so that 'close' comes.
    child.once('exit', () => kill('SIGKILL'));
    child.once('close', (code, signal) => {
      clearTimeout(escalate);
      req.signal?.removeEventListener('abort', abort);
      resolve({
        exitCode: code,
        signal,
        ...(applicationId ? { applicationId } : {}),
        durationMs: Date.now() - started,
      });
    });
  });
}
