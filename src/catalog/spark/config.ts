import path from 'node:path';
import { hostPort } from '../launch.js';
import type { PlacedTask } from '../package.js';
import type { SparkRuntime } from './runtime.js';
import { shellQuote } from '../../core/shell.js';

export function httpUrl(host: string, port: number): string {
  return `http://${hostPort(host, port)}`;
}

/** Quoted for /bin/sh: health-check commands are shell lines and sandbox paths are the user's. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : shellQuote(s);
}

/** Where a task keeps what Spark writes: all inside the sandbox, none in /tmp. */
export function taskDirs(task: PlacedTask) {
  const data = path.join(task.sandbox, 'data');
  return {
    conf: path.join(task.sandbox, 'config'),
    // Scratch space: shuffle files, and the executors' directories a worker makes in it.
    local: path.join(data, 'local'),
    // Executors' working directories (their stdout/stderr, the app's files); the worker cleans it.
    work: path.join(data, 'work'),
    tmp: path.join(data, 'tmp'),
    logs: path.join(data, 'logs'),
    run: path.join(data, 'run'),
  };
}

/**
 * The environment of a master or worker. spark-class is a bash script that finds java through
 * JAVA_HOME and the jars through SPARK_HOME; whatever the worker has, its executors inherit.
 */
export function daemonEnv(task: PlacedTask, rt: SparkRuntime, java: string, heapMb: number) {
  const dirs = taskDirs(task);
  const javaHome = path.dirname(path.dirname(java));
  const env: Record<string, string> = {
    SPARK_HOME: rt.sparkHome,
    SPARK_CONF_DIR: dirs.conf,
    JAVA_HOME: javaHome,
    PATH: [path.join(javaHome, 'bin'), path.dirname(rt.python), '/usr/local/bin', '/usr/bin', '/bin'].join(
      ':',
    ),
    // Binds every listener, the web UI included (it would take 0.0.0.0 otherwise), and the
    // executors' block managers, to this node's address.
    SPARK_LOCAL_IP: task.host,
    SPARK_LOCAL_DIRS: dirs.local,
    SPARK_LOG_DIR: dirs.logs,
    SPARK_PID_DIR: dirs.run,
    SPARK_DAEMON_MEMORY: `${heapMb}m`,
    // No hsperfdata in /tmp (SIGKILL would leave it); JVM temp files in the sandbox; die rather
    // than limp on when the heap is exhausted, so the supervisor restarts the task.
    SPARK_DAEMON_JAVA_OPTS: [
      `-Djava.io.tmpdir=${dirs.tmp}`,
      '-XX:-UsePerfData',
      '-XX:+ExitOnOutOfMemoryError',
    ].join(' '),
    // For Python: the executors' PySpark workers inherit it.
    TMPDIR: dirs.tmp,
    PYSPARK_PYTHON: rt.python,
  };
  if (task.role === 'worker') env.SPARK_WORKER_DIR = dirs.work;
  return env;
}

/** spark-defaults.conf syntax: key, whitespace, value; one per line. */
function properties(owner: string, task: PlacedTask, entries: Record<string, string>): string {
  const header = `# ${owner} ${task.name} (${task.role}), rendered by Flotilla on every launch: edits are lost.`;
  return `${[header, ...Object.entries(entries).map(([k, v]) => `${k} ${v}`)].join('\n')}\n`;
}

export function masterProperties(owner: string, task: PlacedTask): string {
  return properties(owner, task, {
    // Unauthenticated job submission over HTTP: off, as in Spark's own default.
    'spark.master.rest.enabled': 'false',
  });
}

export function workerProperties(owner: string, task: PlacedTask): string {
  return properties(owner, task, {
    // A dev stack lives long enough to fill a disk with finished applications' directories.
    'spark.worker.cleanup.enabled': 'true',
    'spark.worker.cleanup.interval': '1800',
    'spark.worker.cleanup.appDataTtl': '86400',
  });
}

/**
 * The readiness probe, run by the runtime's Python: the master's /json/ must show the wanted workers
 * ALIVE. An HTTP check sees only the status code, and the master answers 200 with no worker at all.
 *   ready.py <master UI> <count>       at least <count> workers ALIVE (the master's readiness)
 *   ready.py <master UI> <host:port>   that worker ALIVE (a worker's readiness: registered)
 */
export const READY_PY = `import json, sys, urllib.request

def main(ui, want):
    with urllib.request.urlopen(ui.rstrip("/") + "/json/", timeout=2) as r:
        state = json.load(r)
    if state.get("status") != "ALIVE":
        print(f"master is {state.get('status')}")
        return 1
    alive = [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]
    if want.isdigit():
        print(f"{len(alive)} of {want} workers ALIVE")
        return 0 if len(alive) >= int(want) else 1
    ok = any(f"{w.get('host')}:{w.get('port')}" == want for w in alive)
    print(f"worker {want} {'is' if ok else 'is not'} ALIVE at the master ({len(alive)} ALIVE)")
    return 0 if ok else 1

try:
    sys.exit(main(sys.argv[1], sys.argv[2]))
except Exception as e:
    print(f"master UI {sys.argv[1]}: {e}")
    sys.exit(1)
`;
