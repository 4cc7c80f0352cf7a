import type { HealthCheckSpec, HealthProtocol, HealthResult } from '../../core/health.js';
import type { CheckTarget, HealthChecker } from './checker.js';
import { commandCheck } from './command.js';
import { httpCheck } from './http.js';
import { kafkaCheck } from './kafka.js';
import { redisCheck } from './redis.js';
import { tcpCheck } from './tcp.js';
import { zookeeperCheck } from './zookeeper.js';

export type { CheckTarget, HealthChecker } from './checker.js';

export const checkers: Record<HealthProtocol, HealthChecker> = {
  TCP: tcpCheck,
  HTTP: httpCheck,
  COMMAND: commandCheck,
  REDIS: redisCheck,
  ZOOKEEPER: zookeeperCheck,
  KAFKA: kafkaCheck,
};

/**
 * One probe, by the spec's protocol, that always settles within `timeoutSeconds`. Each checker also
 * enforces the timeout itself so that it closes its connection; this deadline is the backstop that
 * keeps a checker bug from stalling the health loop.
 */
export async function runCheck(spec: HealthCheckSpec, target: CheckTarget): Promise<HealthResult> {
  const checker = checkers[spec.protocol] as HealthChecker | undefined;
  if (!checker) return { ok: false, message: `unknown health check protocol ${String(spec.protocol)}` };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<HealthResult>((resolve) => {
    // A little slack so that the checker's own timeout, which also cleans up, normally wins.
    timer = setTimeout(
      () => resolve({ ok: false, message: `timed out after ${spec.timeoutSeconds}s` }),
      spec.timeoutSeconds * 1000 + 50,
    );
  });
  const probe = checker(spec, target).catch((err: unknown): HealthResult => ({
    ok: false,
    message: `health check crashed: ${err instanceof Error ? err.message : String(err)}`,
  }));
  try {
    return await Promise.race([probe, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
