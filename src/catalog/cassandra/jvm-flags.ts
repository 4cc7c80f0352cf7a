import { pathToFileURL } from 'node:url';

/**
 * Java 17 module access Cassandra 5.0 needs, as its conf/jvm17-server.options lists it: it reaches
 * into JDK internals for direct-buffer cleaning, JMX, jamm's object sizing and Chronicle.
 */
const JPMS_SERVER = [
  '-Djdk.attach.allowAttachSelf=true',
  ...[
    'java.base/jdk.internal.misc',
    'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.rmi/sun.rmi.registry',
    'java.rmi/sun.rmi.server',
    'java.sql/java.sql',
    'java.base/java.lang.ref',
    'jdk.unsupported/sun.misc',
    'jdk.compiler/com.sun.tools.javac.file',
    'jdk.attach/sun.tools.attach',
  ].map((p) => `--add-exports=${p}=ALL-UNNAMED`),
  ...[
    'java.base/java.lang.module',
    'java.base/jdk.internal.loader',
    'java.base/jdk.internal.ref',
    'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math',
    'java.base/jdk.internal.module',
    'java.base/jdk.internal.util.jar',
    'jdk.management/com.sun.management.internal',
    'java.base/sun.nio.ch',
    'java.base/java.io',
    'java.base/java.lang.reflect',
    'jdk.compiler/com.sun.tools.javac',
    'java.base/java.lang',
    'java.base/java.util',
  ].map((p) => `--add-opens=${p}=ALL-UNNAMED`),
];

/** The same for the tools (nodetool), as conf/jvm17-clients.options lists it. */
const JPMS_CLIENT = [
  '-Djdk.attach.allowAttachSelf=true',
  ...[
    'java.base/jdk.internal.misc',
    'java.base/jdk.internal.ref',
    'java.base/sun.nio.ch',
    'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.rmi/sun.rmi.registry',
    'java.rmi/sun.rmi.server',
    'java.sql/java.sql',
    'jdk.unsupported/sun.misc',
  ].map((p) => `--add-exports=${p}=ALL-UNNAMED`),
  ...[
    'java.base/java.lang.module',
    'java.base/jdk.internal.loader',
    'java.base/jdk.internal.ref',
    'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math',
    'java.base/jdk.internal.module',
    'java.base/jdk.internal.util.jar',
    'jdk.management/com.sun.management.internal',
    'java.base/sun.nio.ch',
    'java.base/java.io',
    'java.base/java.util.concurrent',
    'java.base/java.util',
    'java.base/java.util.concurrent.atomic',
    'java.base/java.lang',
    'java.base/java.math',
    'java.base/java.lang.reflect',
    'java.base/java.net',
  ].map((p) => `--add-opens=${p}=ALL-UNNAMED`),
];

/**
 * Ring delay: how long a joining node waits to learn the ring, and to let every node learn its
 * pending ranges before it streams. 30 s is sized for gossip across real networks; here gossip runs
 * over loopback in 1 s rounds and reaches every node of a ring this size within a few rounds, so 5 s
 * keeps a wide margin. Bootstraps stay one at a time (see start-script.ts).
 */
export const RING_DELAY_MS = 5000;

export interface ServerFlagsInput {
  heapMb: number;
  cpus: number;
  host: string;
  jmxPort: number;
  /** The jamm jar from the classpath: Cassandra measures memtable sizes through its agent. */
  jammJar: string;
  files: { yaml: string; rackdc: string; logback: string };
  /** The node's data directory, for relative defaults (audit logs, heap dumps). */
  dataDir: string;
  /**
   * A replacement: the address of the node whose tokens this one takes over (its own: a task keeps
   * its node). Cassandra reads it only while the node has not bootstrapped, so it may stay rendered.
   */
  replaceAddress?: string;
}

export function serverJvmFlags(i: ServerFlagsInput): string[] {
  return [
    `-Xms${i.heapMb}m`,
    `-Xmx${i.heapMb}m`,
    '-Xss256k',
    // G1 as jvm17-server.options, without its 16 MB regions: a small heap would get only a few dozen.
    '-XX:+UseG1GC',
    '-XX:+ParallelRefProcEnabled',
    '-XX:MaxTenuringThreshold=1',
    '-XX:MaxGCPauseMillis=300',
    '-XX:InitiatingHeapOccupancyPercent=70',
    // Thread pools and GC threads follow the task's CPU share, not the machine's core count.
    `-XX:ActiveProcessorCount=${Math.max(2, Math.ceil(i.cpus))}`,
    // Die rather than limp on: a node that ran out of memory may have lost writes it acknowledged.
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:+PerfDisableSharedMem',
    '-Xshare:auto',
    '-ea',
    '-da:net.openhft...',
    '-Djava.net.preferIPv4Stack=true',
    `-javaagent:${i.jammJar}`,
    ...JPMS_SERVER,
    '-Dio.netty.tryReflectionSetAccessible=true',
    '-Dio.netty.allocator.useCacheForAllThreads=true',
    '-Dio.netty.allocator.maxOrder=11',
    // JMX on this node's address only (Cassandra's own remote JMX would bind every interface), for
    // nodetool, without authentication: only processes on this machine can reach it.
    `-Dcom.sun.management.jmxremote.port=${i.jmxPort}`,
    `-Dcom.sun.management.jmxremote.rmi.port=${i.jmxPort}`,
    `-Dcom.sun.management.jmxremote.host=${i.host}`,
    `-Djava.rmi.server.hostname=${i.host}`,
    '-Dcom.sun.management.jmxremote.authenticate=false',
    '-Dcom.sun.management.jmxremote.ssl=false',
    '-Dcom.sun.management.jmxremote.local.only=false',
    // Keep stdout open: the driver's log file is all the logging there is.
    '-Dcassandra-foreground=yes',
    `-Dcassandra.config=${pathToFileURL(i.files.yaml).href}`,
    `-Dcassandra-rackdc.properties=${pathToFileURL(i.files.rackdc).href}`,
    `-Dlogback.configurationFile=${i.files.logback}`,
    `-Dcassandra.logdir=${i.dataDir}/logs`,
    `-Dcassandra.storagedir=${i.dataDir}`,
    `-Dcassandra.ring_delay_ms=${RING_DELAY_MS}`,
    // The wait lets a restarted node learn who is up before it serves clients; readiness checks
    // that every node sees every other Up/Normal anyway, so the wait only delays it (by ~8 s).
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.libjemalloc=-',
    ...(i.replaceAddress ? [`-Dcassandra.replace_address_first_boot=${i.replaceAddress}`] : []),
  ];
}

/** A short-lived tool (nodetool): a small heap, serial GC and the C1 compiler start it fastest. */
export function toolJvmFlags(home: string, logback: string): string[] {
  return [
    '-Xmx128m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Xshare:auto',
    ...JPMS_CLIENT,
    // nodetool keeps its history under ~/.cassandra: in the task's data, not the daemon's home.
    `-Duser.home=${home}`,
    `-Dlogback.configurationFile=${logback}`,
  ];
}

export const SERVER_MAIN = 'org.apache.cassandra.service.CassandraDaemon';
export const NODETOOL_MAIN = 'org.apache.cassandra.tools.NodeTool';
