import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ArtifactResolver } from '../../artifacts/resolver.js';
import { loadLock } from '../../catalog/jvm/lock.js';
import type { LockedArtifact } from '../../core/artifact.js';
import { FlotillaError } from '../../core/errors.js';

/** kafka-clients and what it needs at run time (compression codecs, slf4j's API), by artifactId. */
const CLIENT_JARS = ['kafka-clients', 'zstd-jni', 'lz4-java', 'snappy-java', 'slf4j-api'];

/**
 * The Kafka package's own locked jars, narrowed to the client: the workload speaks the protocol with
 * the very client library of the brokers it tests, verified by the lock's SHA-256 like theirs.
 */
export function clientArtifacts(kafkaVersion: string): LockedArtifact[] {
  const lock = loadLock('kafka', kafkaVersion);
  const jars = lock.artifacts.filter((a) => CLIENT_JARS.includes(a.artifactId) && !a.classifier);
  if (!jars.some((a) => a.artifactId === 'kafka-clients'))
    throw new FlotillaError('INTERNAL', `kafka ${kafkaVersion}: its lock has no kafka-clients jar`);
  return jars;
}

/** Workload.java: tsc copies no .java to dist/, so the repository's src/ copy is the fallback. */
function sourceFile(): string {
  const candidates = [
    new URL('./Workload.java', import.meta.url),
    new URL('../../../../src/lab/kafka/Workload.java', import.meta.url),
  ];
  const found = candidates.find((u) => fs.existsSync(u));
  if (!found) throw new FlotillaError('INTERNAL', 'src/lab/kafka/Workload.java is missing');
  return fileURLToPath(found);
}

function javaTool(name: 'java' | 'javac', env: NodeJS.ProcessEnv): string {
  if (env.JAVA_HOME) {
    const p = path.join(env.JAVA_HOME, 'bin', name);
    if (fs.existsSync(p)) return p;
  }
  return name;
}

/** A ready Workload program: the `java` command line up to its subcommand. */
export interface KafkaTool {
  java: string;
  args: string[];
}

/**
 * Fetches the client jars into the artifact cache, compiles Workload.java once per source and
 * classpath (cached beside the jars, `<artifactsDir>/lab/kafka-<hash>/`) and says how to run it.
 */
export async function kafkaTool(
  artifactsDir: string,
  kafkaVersion: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<KafkaTool> {
  const jars = await new ArtifactResolver({ cacheDir: artifactsDir, env }).ensure(
    clientArtifacts(kafkaVersion),
  );
  const source = sourceFile();
  const hash = crypto
    .createHash('sha256')
    .update(fs.readFileSync(source))
    .update(jars.join(':'))
    .digest('hex')
    .slice(0, 16);
  const classes = path.join(artifactsDir, 'lab', `kafka-${hash}`);
  if (!fs.existsSync(path.join(classes, 'Workload.class'))) {
    const tmp = `${classes}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    try {
      await promisify(execFile)(
        javaTool('javac', env),
        ['-nowarn', '-cp', jars.join(':'), '-d', tmp, source],
        { timeout: 120_000 },
      );
      // Atomic: another process (the daemon, another experiment) may have compiled the same at once.
      try {
        fs.renameSync(tmp, classes);
      } catch (err) {
        if (!fs.existsSync(path.join(classes, 'Workload.class'))) throw err;
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new FlotillaError(
        'BINARY_MISSING',
        `the Kafka workload could not be compiled (${String((err as Error).message).slice(0, 400)}): ` +
          'install a JDK ("sudo apt-get install -y openjdk-17-jdk-headless") or set JAVA_HOME to one',
      );
    }
  }
  return { java: javaTool('java', env), args: ['-cp', [classes, ...jars].join(':'), 'Workload'] };
}

/** Starts a subcommand; every JSON line of its stdout goes to `onLine`, its stderr's tail is kept. */
export function startTool(
  tool: KafkaTool,
  argv: string[],
  onLine: (line: Record<string, unknown>) => void,
): { child: ChildProcessWithoutNullStreams; exited: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(tool.java, ['-Xmx256m', ...tool.args, ...argv], { stdio: 'pipe' });
  let buf = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    buf += c.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.startsWith('{')) continue;
      try {
        onLine(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line the program did not write as JSON (a library's banner): not ours
      }
    }
  });
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on('error', (err) => resolve({ code: 127, stderr: String(err) }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  return { child, exited };
}

/** Runs a subcommand to its end and returns its JSON lines; a non-zero exit is an error with its stderr. */
export async function runTool(
  tool: KafkaTool,
  argv: string[],
  timeoutMs: number,
): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const { child, exited } = startTool(tool, argv, (l) => lines.push(l));
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { code, stderr } = await exited.finally(() => clearTimeout(timer));
  if (code !== 0)
    throw new FlotillaError(
      'INTERNAL',
      `Kafka workload ${argv[0]} exited ${code ?? 'on a signal (timed out)'}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`,
    );
  return lines;
}
