import http from 'node:http';
import type { HealthChecker } from './checker.js';

/** Marathon's HTTP check: a GET whose status is 200–399 is healthy; anything else, or no answer, is not. */
export const httpCheck: HealthChecker = (spec, target) => {
  const port = target.ports[spec.portIndex];
  if (port === undefined) {
    return Promise.resolve({ ok: false, message: `the task has no port at index ${spec.portIndex}` });
  }
  const path = spec.path || '/';
  return new Promise((resolve) => {
    // agent: false — a fresh connection per probe that dies with it; a pooled keep-alive socket would
    // make a wedged server look healthy and outlive the check.
    const req = http.get({
      hostname: target.host,
      port,
      path,
      agent: false,
      headers: { connection: 'close' },
    });
    const timer = setTimeout(
      () => done(false, `timed out after ${spec.timeoutSeconds}s`),
      spec.timeoutSeconds * 1000,
    );
    let settled = false;
    function done(ok: boolean, message: string): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Only the status matters: drop the body rather than wait for it.
      req.destroy();
      resolve({ ok, message });
    }
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      done(status >= 200 && status < 400, `HTTP ${status} from GET ${path}`);
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      done(false, `GET ${path} on ${target.host}:${port} failed: ${err.code ?? err.message}`),
    );
  });
};
