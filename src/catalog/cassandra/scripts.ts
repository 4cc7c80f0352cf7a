/**
 * The task's shell scripts. Bash, not sh: the TCP probes use bash's /dev/tcp, which spares a JVM
 * start (~1 s of CPU) per probe. Every word is quoted; nothing here comes from the user but validated
 * names and numbers and paths we rendered.
 */

import { shellQuote } from '../../core/shell.js';

const q = shellQuote;

/** A bash function that succeeds when host:port accepts a TCP connection (loopback refuses at once). */
const PORT_OPEN = 'port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }';

/** How long a first boot waits for the node before it; then it starts anyway and Cassandra decides. */
export const FIRST_BOOT_WAIT_SECONDS = 300;

/** In the node's data directory: the data generation it holds (see StartScriptInput.fresh). */
export const GENERATION_FILE = '.flotilla-generation';

export interface StartScriptInput {
  owner: string;
  taskName: string;
  java: string;
  classpath: string[];
  jvmFlags: string[];
  mainClass: string;
  /** The task's data directory (everything Cassandra writes lives under it). */
  dataDir: string;
  /** Cassandra's system keyspace directory: present once the node has started before. */
  systemDir: string;
  /** The node with the next lower index, whose CQL port opens once it has joined the ring. */
  previous?: { name: string; host: string; nativePort: number };
  /**
   * A data generation from the service's state (day-2 plans: a replacement, a node removed by a
   * scale-down that may come back). When the data directory holds another generation, the script
   * empties it before Cassandra starts, then records this one: the wipe happens once, at launch,
   * when no Cassandra process of this task runs, and a relaunch of the same generation keeps data.
   */
  fresh?: string;
}

/**
 * Cassandra refuses to bootstrap while another node is joining, and two seeds starting together each
 * take tokens as if alone. So on its first boot a node waits until the node before it serves CQL,
 * which Cassandra starts only after the join is complete: the ring forms one node at a time, in
 * index order, though the scheduler launches all tasks together. A restart has nothing to bootstrap
 * and starts at once, so a dead neighbour never holds it back.
 */
export function renderStartScript(i: StartScriptInput): string {
  const lines = [
    '#!/bin/bash',
    `# ${i.owner} ${i.taskName}, rendered by Flotilla on every launch: edits are lost.`,
    'set -e',
    'PATH=/usr/bin:/bin',
    `classpath=${q(i.classpath.join(':'))}`,
  ];
  if (i.fresh !== undefined) {
    const marker = `${i.dataDir}/${GENERATION_FILE}`;
    lines.push(
      `if [ "$(cat ${q(marker)} 2>/dev/null)" != ${q(i.fresh)} ]; then`,
      `  echo ${q(`data generation ${i.fresh}: emptying ${i.dataDir} (a fresh node)`)}`,
      `  mkdir -p ${q(i.dataDir)}`,
      `  find ${q(i.dataDir)} -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +`,
      `  printf '%s\\n' ${q(i.fresh)} > ${q(`${marker}.tmp`)}`,
      `  mv ${q(`${marker}.tmp`)} ${q(marker)}`,
      'fi',
    );
  }
  if (i.previous) {
    const { name, host, nativePort } = i.previous;
    lines.push(
      PORT_OPEN,
      `if [ ! -d ${q(i.systemDir)} ]; then`,
      `  echo ${q(`first boot: waiting for ${name} (${host}:${nativePort}) to join the ring`)}`,
      `  deadline=$((SECONDS + ${FIRST_BOOT_WAIT_SECONDS}))`,
      `  until port_open ${q(host)} ${nativePort}; do`,
      '    if [ "$SECONDS" -ge "$deadline" ]; then',
      `      echo ${q(`${name} did not join within ${FIRST_BOOT_WAIT_SECONDS}s; starting anyway`)}`,
      '      break',
      '    fi',
      '    sleep 1',
      '  done',
      'fi',
    );
  }
  lines.push(`exec ${[q(i.java), ...i.jvmFlags.map(q), '-cp "$classpath"', q(i.mainClass)].join(' ')}`);
  return `${lines.join('\n')}\n`;
}

export interface NodetoolScriptInput {
  owner: string;
  taskName: string;
  java: string;
  classpath: string[];
  toolFlags: string[];
  nodetoolMain: string;
  host: string;
  jmxPort: number;
}

/**
 * `bin/nodetool.sh <command> [args]`: nodetool against this node's JMX. Readiness and the day-2 plans
 * run it with an argv (the arguments reach nodetool as "$@", never through a shell string), and an
 * operator can run it from the sandbox by hand.
 */
export function renderNodetoolScript(i: NodetoolScriptInput): string {
  const lines = [
    '#!/bin/bash',
    `# ${i.owner} ${i.taskName} nodetool, rendered by Flotilla on every launch: edits are lost.`,
    'PATH=/usr/bin:/bin',
    `classpath=${q(i.classpath.join(':'))}`,
    `exec ${[q(i.java), ...i.toolFlags.map(q), '-cp "$classpath"', q(i.nodetoolMain)].join(' ')} -h ${q(i.host)} -p ${i.jmxPort} "$@"`,
  ];
  return `${lines.join('\n')}\n`;
}

export interface ReadyScriptInput {
  owner: string;
  taskName: string;
  /** The rendered bin/nodetool.sh. */
  nodetool: string;
  host: string;
  nativePort: number;
  /**
   * How many nodes must be Up/Normal at least: the nodes before this one and itself, which formed the
   * ring before it (first boot goes in index order). Not the ring size: that changes with a scale,
   * and readiness must not, or every node would be restarted to learn the new size.
   */
  minUp: number;
  /** Where the last nodetool verdict is kept, to run it at most once per `minIntervalSeconds`. */
  cacheFile: string;
  minIntervalSeconds: number;
}

/**
 * Readiness of one node: it serves CQL (a cheap TCP probe), then nodetool status as this node sees
 * the ring: this node and every other it knows Up/Normal, and at least `minUp` of them. Prints one
 * line and exits 0 when ready. The health monitor probes a starting task every 100 ms; nodetool is a
 * JVM start, so a verdict younger than `minIntervalSeconds` is repeated instead.
 */
export function renderReadyScript(i: ReadyScriptInput): string {
  const lines = [
    '#!/bin/bash',
    `# ${i.owner} ${i.taskName} readiness, rendered by Flotilla on every launch: edits are lost.`,
    'PATH=/usr/bin:/bin',
    PORT_OPEN,
    `port_open ${q(i.host)} ${i.nativePort} || { echo ${q(`CQL does not answer on ${i.host}:${i.nativePort} yet`)}; exit 1; }`,
    `cache=${q(i.cacheFile)}`,
    "printf -v now '%(%s)T' -1",
    'if [ -f "$cache" ]; then',
    '  { read -r at code; read -r message; } < "$cache"',
    `  if [ $((now - at)) -lt ${i.minIntervalSeconds} ]; then echo "$message"; exit "$code"; fi`,
    'fi',
    `if ! out=$(/bin/bash ${q(i.nodetool)} status 2>&1); then`,
    '  code=1; message="nodetool status failed: $(tail -n 1 <<< "$out")"',
    'else',
    '  up=0; self=""; others=""',
    '  while read -r state addr _; do',
    '    case "$state" in',
    `      UN) up=$((up + 1)); if [ "$addr" = ${q(i.host)} ]; then self=UN; fi ;;`,
    '      [UD][NLJM]) others="$others $addr=$state" ;;',
    '    esac',
    '  done <<< "$out"',
    '  if [ -n "$others" ]; then',
    '    code=1; message="$up nodes Up/Normal; not UN:$others"',
    '  elif [ -z "$self" ]; then',
    `    code=1; message=${q(`this node (${i.host}) is not Up/Normal yet`)}`,
    `  elif [ "$up" -lt ${i.minUp} ]; then`,
    `    code=1; message="$up nodes Up/Normal, at least ${i.minUp} expected"`,
    '  else',
    '    code=0; message="all $up nodes Up/Normal"',
    '  fi',
    'fi',
    'mkdir -p "${cache%/*}" && printf \'%s %s\\n%s\\n\' "$now" "$code" "$message" > "$cache"',
    'echo "$message"',
    'exit "$code"',
  ];
  return `${lines.join('\n')}\n`;
}
