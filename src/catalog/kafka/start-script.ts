import crypto from 'node:crypto';
import path from 'node:path';
import { shellQuote } from '../../core/shell.js';

/** The flags Kafka's own scripts give a broker (kafka-run-class.sh), with the heap from the options. */
export function brokerJvmFlags(heapMb: number, logFlag: string): string[] {
  return [
    `-Xmx${heapMb}m`,
    `-Xms${heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    // Die rather than limp on: the supervisor restarts a dead task, not a thrashing one.
    '-XX:+ExitOnOutOfMemoryError',
    // The JDK's class-data archive: faster start, no effect on the running broker.
    '-Xshare:auto',
    '-Djava.awt.headless=true',
    logFlag,
  ];
}

export interface StartScriptInput {
  owner: string;
  taskName: string;
  java: string;
  classpath: string[];
  jvmFlags: string[];
  properties: string;
  /** The broker's log directory, where Kafka leaves meta.properties and its clean-shutdown marker. */
  logDir: string;
  /** KRaft: format the log directory for this cluster before the first start. */
  format?: { clusterId: string; logFlag: string };
  /** ZooKeeper mode: how long a crashed broker's session may outlive it. */
  crashWaitSeconds?: number;
}

/**
 * The task's command: prepares what the broker needs, then the shell becomes the broker (exec), so
 * the task's process is the JVM itself. Every word is quoted; nothing here comes from the user but
 * validated numbers and paths we rendered.
 */
export function renderStartScript(i: StartScriptInput): string {
  const q = shellQuote;
  const lines = [
    '#!/bin/sh',
    `# ${i.owner} ${i.taskName}, rendered by Flotilla on every launch: edits are lost.`,
    'set -e',
    // The task's environment is empty; sleep is not a builtin everywhere.
    'PATH=/usr/bin:/bin',
    `classpath=${q(i.classpath.join(':'))}`,
  ];
  const logs = (file: string) => q(path.join(i.logDir, file));
  if (i.crashWaitSeconds !== undefined) {
    lines.push(
      '# After a crash (data but no clean-shutdown marker) the old ZooKeeper session still holds this',
      '# broker id until it expires, and a broker that finds its id taken exits at once: wait it out.',
      `if [ -f ${logs('meta.properties')} ] && [ ! -f ${logs('.kafka_cleanshutdown')} ]; then sleep ${i.crashWaitSeconds}; fi`,
    );
  }
  if (i.format) {
    lines.push(
      '# KRaft log directories must carry the cluster id before the first start. A directory that has',
      '# one already keeps it: its data belongs to that cluster (kept by a `down` without --purge).',
      `[ -f ${logs('meta.properties')} ] || ` +
        [
          q(i.java),
          // A short-lived tool: a small heap, serial GC and the C1 compiler start it fastest.
          '-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto',
          q(i.format.logFlag),
          '-cp "$classpath" kafka.tools.StorageTool format',
          `--cluster-id ${q(i.format.clusterId)} --config ${q(i.properties)} --ignore-formatted`,
        ].join(' '),
    );
  }
  lines.push(
    `exec ${[q(i.java), ...i.jvmFlags.map(q), '-cp "$classpath"', 'kafka.Kafka', q(i.properties)].join(' ')}`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * A Kafka cluster id: a random UUID in URL-safe base64 without padding (22 characters), as
 * `kafka-storage random-uuid` prints. Kafka refuses ids that start with "-" (they read as flags).
 */
export function newClusterId(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function isClusterId(s: string | undefined): s is string {
  return s !== undefined && /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(s);
}
