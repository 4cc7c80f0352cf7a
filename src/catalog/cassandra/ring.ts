import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import type { PlacedTask, ServiceOps, StepDefinition } from '../package.js';
import { FILES } from './config.js';

/** What the day-2 plans ask of the ring, through each node's rendered bin/nodetool.sh. */

export const MINUTE = 60_000;
/** A bootstrap streams the node's share of the data; generous for a laptop's rings. */
export const JOIN_TIMEOUT = 30 * MINUTE;
/** Decommission, repair and cleanup stream or rewrite data. */
export const STREAM_TIMEOUT = 60 * MINUTE;
/** Gossip settling after a node joins or leaves: seconds here, minutes as a ceiling. */
export const SETTLE_TIMEOUT = 5 * MINUTE;

export interface RingMember {
  /** nodetool's two letters: Up/Down, then Normal/Leaving/Joining/Moving. */
  state: string;
  address: string;
}

/** The members `nodetool status` lists (every datacenter), in its order. */
export function parseStatus(out: string): RingMember[] {
  return out.split('\n').flatMap((line) => {
    const m = /^([UD][NLJM])\s+(\S+)/.exec(line.trim());
    return m ? [{ state: m[1]!, address: m[2]! }] : [];
  });
}

/** The service's Cassandra nodes as the package placed them, in index order. */
export function ringNodes(ops: ServiceOps): PlacedTask[] {
  return ops
    .placed()
    .filter((t) => t.role === 'node')
    .sort((a, b) => a.index - b.index);
}

export function nodeNamed(ops: ServiceOps, name: string): PlacedTask {
  const nodes = ringNodes(ops);
  const node = nodes.find((n) => n.name === name);
  if (!node) {
    throw new FlotillaError(
      'PLAN_PARAMETERS_INVALID',
      `the ring has no node "${name}"; its nodes are ${nodes.map((n) => n.name).join(', ')}`,
    );
  }
  return node;
}

/** Runs nodetool against `node`'s JMX with an argv (no shell string); resolves with its output. */
export function nodetool(
  ops: ServiceOps,
  node: PlacedTask,
  args: string[],
  timeoutMs: number,
): Promise<string> {
  return ops.exec(node.name, ['/bin/bash', path.join(node.sandbox, FILES.nodetool), ...args], timeoutMs);
}

/** The ring as the first of `via` that answers sees it. */
export async function ringSeenBy(ops: ServiceOps, via: PlacedTask[]): Promise<RingMember[]> {
  const failures: string[] = [];
  for (const node of via) {
    try {
      return parseStatus(await nodetool(ops, node, ['status'], 120_000));
    } catch (err) {
      failures.push(`${node.name}: ${lastLine(err)}`);
    }
  }
  throw new Error(`no node answered nodetool status (${failures.join('; ')})`);
}

/** What is wrong with a ring that should be exactly `hosts`, all Up/Normal; null when nothing is. */
export function ringProblem(members: RingMember[], hosts: string[]): string | null {
  const missing = hosts.filter((h) => !members.some((m) => m.address === h));
  const extra = members.filter((m) => !hosts.includes(m.address)).map((m) => `${m.address}=${m.state}`);
  const notUp = members
    .filter((m) => hosts.includes(m.address) && m.state !== 'UN')
    .map((m) => `${m.address}=${m.state}`);
  if (missing.length + extra.length + notUp.length === 0) return null;
  const up = members.filter((m) => m.state === 'UN' && hosts.includes(m.address)).length;
  return [
    `${up} of ${hosts.length} nodes Up/Normal`,
    ...(notUp.length ? [`not UN: ${notUp.join(' ')}`] : []),
    ...(missing.length ? [`missing: ${missing.join(' ')}`] : []),
    ...(extra.length ? [`not of this service: ${extra.join(' ')}`] : []),
  ].join('; ');
}

const POLL_MS = 3000;

/** A plan step that waits until the whole ring (as `first`, then the others, see it) is Up/Normal. */
export function ringStep(name: string, first?: string): StepDefinition {
  return {
    name,
    async run(ops) {
      const nodes = ringNodes(ops);
      const via = [...nodes.filter((n) => n.name === first), ...nodes.filter((n) => n.name !== first)];
      const hosts = nodes.map((n) => n.host);
      await waitForRing(ops, via, (m) => ringProblem(m, hosts), SETTLE_TIMEOUT);
      ops.say(`all ${nodes.length} nodes Up/Normal`);
    },
  };
}

/**
 * Polls nodetool status until `problem` finds nothing wrong (null), saying what it sees meanwhile;
 * rejects with the last problem after `timeoutMs`.
 */
export async function waitForRing(
  ops: ServiceOps,
  via: PlacedTask[],
  problem: (members: RingMember[]) => string | null,
  timeoutMs: number,
): Promise<RingMember[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: string;
    try {
      const members = await ringSeenBy(ops, via);
      const wrong = problem(members);
      if (wrong === null) return members;
      last = wrong;
    } catch (err) {
      last = lastLine(err);
    }
    if (Date.now() >= deadline) {
      throw new Error(`the ring did not settle within ${Math.round(timeoutMs / 1000)} s: ${last}`);
    }
    ops.say(last);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * The line of an error that says what went wrong: nodetool's own `error: …` when it printed one (a
 * stack trace follows it), else the last line that is not a stack frame.
 */
export function lastLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const l of lines) {
    const own = /(?:^|\s)((?:error|nodetool): .*)$/i.exec(l);
    if (own) return own[1]!;
  }
  return lines.filter((l) => !/^(at |-- StackTrace --|\.\.\. \d+ more)/.test(l)).at(-1) ?? text;
}
