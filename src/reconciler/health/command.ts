import type { HealthChecker } from './checker.js';

function firstLine(output: string): string {
  return output.trim().split('\n', 1)[0]?.trim() ?? '';
}

/** Marathon's COMMAND check: run in the task's environment, healthy when it exits 0. */
export const commandCheck: HealthChecker = async (spec, target) => {
  if (!spec.command) return { ok: false, message: 'the COMMAND health check has no command' };
  try {
    const result = await target.exec(spec.command, spec.timeoutSeconds * 1000);
    if (result.timedOut) return { ok: false, message: `timed out after ${spec.timeoutSeconds}s` };
    const line = firstLine(result.output);
    if (result.exitCode === 0) return { ok: true, message: line || 'exit 0' };
    const status = result.exitCode === null ? 'killed by a signal' : `exit ${result.exitCode}`;
    return { ok: false, message: line ? `${status}: ${line}` : status };
  } catch (err) {
    // e.g. TASK_NOT_RUNNING from the driver: still just a failed probe.
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
};
