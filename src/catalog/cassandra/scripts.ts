/**
 * The task's two shell scripts. Bash, not sh: the TCP probes use bash's /dev/tcp, which spares a JVM
 * start (~1 s of CPU) per probe. Every word is quoted; nothing here comes from the user but validated
 * names and numbers and paths we rendered.
 */

/** A POSIX shell word that stands for exactly `s`. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

const q = shellQuote;

/** A bash function that succeeds when host:port accepts a TCP connection (loopback refuses at once). */
const PORT_OPEN = 'port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }';

/** How long a first boot waits for the node before it; then it starts anyway and Cassandra decides. */
export const FIRST_BOOT_WAIT_SECONDS = 300;

export interface StartScriptInput {
  owner: string;
  taskName: string;
  java: string;
  classpath: string[];
  jvmFlags: string[];
  mainClass: string;
  /** Cassandra's system keyspace directory: present once the node has started before. */
  systemDir: string;
  /** The node with the next lower index, whose CQL port opens once it has joined the ring. */
  previous?: { name: string; host: string; nativePort: number };
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

export interface ReadyScriptInput {
  owner: string;
  taskName: string;
  java: string;
  classpath: string[];
  toolFlags: string[];
  nodetoolMain: string;
  host: string;
  jmxPort: number;
  /** Every node's CQL address, this one included. */
  natives: { host: string; port: number }[];
  /** Where the last nodetool verdict is kept, to run it at most once per `minIntervalSeconds`. */
  cacheFile: string;
  minIntervalSeconds: number;
}

/**
 * Readiness of one node: CQL answers on every node (a cheap TCP probe each), then nodetool status as
 * this node sees the ring: exactly the service's nodes, every one UN. Prints one line and exits 0
 * when ready. The health monitor probes a starting task every 100 ms; nodetool is a JVM start, so a
 * verdict younger than `minIntervalSeconds` is repeated instead.
 */
export function renderReadyScript(i: ReadyScriptInput): string {
  const want = i.natives.length;
  const nodetool = [
    q(i.java),
    ...i.toolFlags.map(q),
    '-cp "$classpath"',
    q(i.nodetoolMain),
    `-h ${q(i.host)} -p ${i.jmxPort} status`,
  ].join(' ');
  const lines = [
    '#!/bin/bash',
    `# ${i.owner} ${i.taskName} readiness, rendered by Flotilla on every launch: edits are lost.`,
    'PATH=/usr/bin:/bin',
    PORT_OPEN,
    `for addr in ${i.natives.map((n) => q(`${n.host}:${n.port}`)).join(' ')}; do`,
    '  port_open "${addr%:*}" "${addr##*:}" || { echo "CQL does not answer on $addr yet"; exit 1; }',
    'done',
    `cache=${q(i.cacheFile)}`,
    "printf -v now '%(%s)T' -1",
    'if [ -f "$cache" ]; then',
    '  { read -r at code; read -r message; } < "$cache"',
    `  if [ $((now - at)) -lt ${i.minIntervalSeconds} ]; then echo "$message"; exit "$code"; fi`,
    'fi',
    `classpath=${q(i.classpath.join(':'))}`,
    `if ! out=$(${nodetool} 2>&1); then`,
    '  code=1; message="nodetool status failed: $(tail -n 1 <<< "$out")"',
    'else',
    '  up=0; others=""',
    '  while read -r state addr _; do',
    '    case "$state" in',
    '      UN) up=$((up + 1)) ;;',
    '      [UD][NLJM]) others="$others $addr=$state" ;;',
    '    esac',
    '  done <<< "$out"',
    `  if [ "$up" -eq ${want} ] && [ -z "$others" ]; then`,
    `    code=0; message="all ${want} nodes Up/Normal"`,
    '  else',
    `    code=1; message="$up of ${want} nodes Up/Normal\${others:+; not UN:$others}"`,
    '  fi',
    'fi',
    'mkdir -p "${cache%/*}" && printf \'%s %s\\n%s\\n\' "$now" "$code" "$message" > "$cache"',
    'echo "$message"',
    'exit "$code"',
  ];
  return `${lines.join('\n')}\n`;
}
