import path from 'node:path';
import type { PlacedTask } from '../package.js';
import type { RedisOptions } from './options.js';

/**
 * A value as redis.conf's argument splitter (sdssplitargs) reads it back verbatim: double-quoted,
 * with backslash, quote and control characters escaped. Every string we did not produce ourselves
 * (password, paths) goes through here, so no value can smuggle in another directive.
 */
export function confQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export interface ConfigInput {
  /** "<tenant>/<service>", for the header only. */
  owner: string;
  task: PlacedTask;
  primary: PlacedTask;
  options: RedisOptions;
}

/** The redis.conf of one task. Holds the password, so it is written with mode 0600. */
export function renderConfig({ owner, task, primary, options }: ConfigInput): string {
  const port = task.ports[0];
  const primaryPort = primary.ports[0];
  const isPrimary = task.name === primary.name;
  const lines = [
    `# ${owner} ${task.name} (${task.role}), rendered by Flotilla on every launch: edits are lost.`,
    `bind ${task.bindHost}`,
    `port ${port}`,
  ];
  if (options.password === undefined) {
    // Protected mode trusts only peers whose address is exactly 127.0.0.1 or ::1. Virtual nodes live
    // on other loopback addresses (127.0.x.y), so it would refuse replicas and clients on them.
    // `bind` already limits who can reach the server to the node's own address.
    lines.push('protected-mode no');
  } else {
    // With a password protected mode never triggers; keep Redis's default.
    lines.push('protected-mode yes');
  }
  lines.push(
    'daemonize no',
    // stdout: the driver sends it to the task's log file.
    'logfile ""',
    `dir ${confQuote(path.join(task.sandbox, 'data'))}`,
  );
  if (options.persistence === 'aof') {
    lines.push('appendonly yes', 'appendfsync everysec');
  } else {
    lines.push('appendonly no', 'save ""');
  }
  if (options.maxmemory !== undefined) lines.push(`maxmemory ${options.maxmemory}`);
  lines.push(`maxmemory-policy ${options.maxmemoryPolicy}`);
  if (options.password !== undefined) {
    // masterauth on the primary too: it lets any task follow another after a manual failover.
    lines.push(`requirepass ${confQuote(options.password)}`, `masterauth ${confQuote(options.password)}`);
  }
  if (isPrimary) {
    // A diskless full sync otherwise waits repl-diskless-sync-delay (5 s) for more replicas to share
    // its transfer, or until repl-diskless-sync-max-replicas have connected, which the primary checks
    // once a second: a replica was in sync a second after it connected. Started at once, it is in
    // sync within milliseconds; a replica that connects during a transfer gets the next one.
    if (options.replicas > 0) lines.push('repl-diskless-sync-delay 0');
  } else {
    lines.push(`replicaof ${primary.host} ${primaryPort}`);
  }
  return `${lines.join('\n')}\n`;
}
