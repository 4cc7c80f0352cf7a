import path from 'node:path';
import { hostPort } from '../launch.js';
import type { PlacedTask } from '../package.js';
import { propValue } from '../jvm/properties.js';
import type { ZookeeperOptions } from './options.js';

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
    `clientPortAddress=${task.bindHost}`,
    // Every client on this machine comes from one loopback source address: the default limit of 60
    // connections per address would be shared by all brokers and apps of a stack.
    'maxClientCnxns=0',
    '4lw.commands.whitelist=ruok,srvr,mntr,stat',
    // The admin server would bind 0.0.0.0:8080 on every server: a clash on one machine.
    'admin.enableServer=false',
    // A dev stack lives long enough to fill a disk with snapshots otherwise.
    'autopurge.snapRetainCount=3',
    'autopurge.purgeInterval=1',
    // Bind the quorum ports to this node's address only, as on a real host with one interface; in a
    // container the peers' name resolves to the container's own interface, so listen on all of them.
    `quorumListenOnAllIPs=${task.bindHost === '0.0.0.0'}`,
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
