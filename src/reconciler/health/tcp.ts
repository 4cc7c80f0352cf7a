import net from 'node:net';
import type { HealthChecker } from './checker.js';

/** Marathon's TCP check: healthy when a connection to the port opens. */
export const tcpCheck: HealthChecker = (spec, target) => {
  const port = target.ports[spec.portIndex];
  if (port === undefined) {
    return Promise.resolve({ ok: false, message: `the task has no port at index ${spec.portIndex}` });
  }
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.host, port });
    const timer = setTimeout(
      () => done(false, `timed out after ${spec.timeoutSeconds}s`),
      spec.timeoutSeconds * 1000,
    );
    function done(ok: boolean, message: string): void {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, message });
    }
    socket.once('connect', () => done(true, `connected to ${target.host}:${port}`));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(false, `cannot connect to ${target.host}:${port}: ${err.code ?? err.message}`),
    );
  });
};
