import path from 'node:path';
import type { PlacedTask } from '../package.js';
import type { ZookeeperOptions } from './options.js';

/**
 * A value as java.util.Properties reads it back verbatim (ZooKeeper loads zoo.cfg with it): escapes
 * backslashes and line breaks, and writes non-ASCII as \uXXXX because the file is read as ISO-8859-1.
 */
export function propValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) {
      for (const unit of ch.split('')) out += `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  // Leading blanks would be taken for the separator.
  return out.startsWith(' ') ? `\\${out}` : out;
}

/** "host:port", with brackets around an IPv6 host as ZooKeeper's server.N syntax wants. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** ZooKeeper server ids are 1–255; task indexes start at 0. */
export function serverId(task: PlacedTask): number {
  return task.index + 1;
}

export interface ZooCfgInput {
  /** "<tenant>/<service>", for the header only. */
  owner: string;
  task: PlacedTask;
  /** Every server of the ensemble, this one included. */
  members: PlacedTask[];
  options: ZookeeperOptions;
}

export function renderZooCfg({ owner, task, members, options }: ZooCfgInput): string {
  const [clientPort] = task.ports;
  const lines = [
    `# ${owner} ${task.name} (${task.role}), rendered by Flotilla on every launch: edits are lost.`,
    `tickTime=${options.tickTime}`,
    `initLimit=${options.initLimit}`,
    `syncLimit=${options.syncLimit}`,
    `dataDir=${propValue(path.join(task.sandbox, 'data'))}`,
    `clientPort=${clientPort}`,
    `clientPortAddress=${task.host}`,
    // Every client on this machine comes from one loopback source address: the default limit of 60
    // connections per address would be shared by all brokers and apps of a stack.
    'maxClientCnxns=0',
    '4lw.commands.whitelist=ruok,srvr,mntr,stat',
    // The admin server would bind 0.0.0.0:8080 on every server: a clash on one machine.
    'admin.enableServer=false',
    // A dev stack lives long enough to fill a disk with snapshots otherwise.
    'autopurge.snapRetainCount=3',
    'autopurge.purgeInterval=1',
    // Bind the quorum ports to this node's address only, as on a real host with one interface.
    'quorumListenOnAllIPs=false',
  ];
  // One server and no server.N lines: standalone mode, which needs no quorum to serve.
  if (members.length > 1) {
    for (const m of [...members].sort((a, b) => a.index - b.index)) {
      const [, quorum, election] = m.ports;
      lines.push(`server.${serverId(m)}=${hostPort(m.host, quorum ?? 0)}:${election}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Logback (ZooKeeper 3.8's logger) to stdout only: the driver writes it to the task's log file. */
export const LOGBACK_XML = `<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder>
      <pattern>%d{ISO8601} [myid:%X{myid}] %-5level [%thread] %logger{36} - %msg%n</pattern>
    </encoder>
  </appender>
  <!-- Health probes connect every few seconds, and this logger reports each connection at INFO. -->
  <logger name="org.apache.zookeeper.server.NIOServerCnxn" level="WARN"/>
  <root level="INFO">
    <appender-ref ref="STDOUT"/>
  </root>
</configuration>
`;
