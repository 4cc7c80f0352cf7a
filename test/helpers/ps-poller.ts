import http from 'node:http';
import readline from 'node:readline';

/**
 * A tenant's `ps` (GET /v1/tasks), or another GET, every 10 ms, in a process of its own so that
 * nothing the test does delays the poller itself. Reads `phase NAME` and `stop` on stdin; on `stop`,
 * prints {max, count, byPhase} (milliseconds) as JSON and exits.
 * Args: address, token ('' for none), path (default /v1/tasks).
 */
const [address, token, urlPath = '/v1/tasks'] = process.argv.slice(2) as [string, string, string?];
let phase = 'start';
let running = true;
let max = 0;
let count = 0;
const byPhase: Record<string, number> = {};

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.startsWith('phase ')) phase = line.slice(6);
  if (line === 'stop') running = false;
});

// The poller's own loop: a stall of this process (not scheduled, paging) is not the daemon's.
let ownStall = 0;
let tick = performance.now();
const monitor = setInterval(() => {
  const now = performance.now();
  ownStall = Math.max(ownStall, now - tick - 5);
  tick = now;
}, 5);

const agent = new http.Agent({ keepAlive: true });
while (running) {
  const started = performance.now();
  ownStall = 0;
  await new Promise<void>((resolve, reject) => {
    const req = http.get(new URL(urlPath, address), {
      agent,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`${urlPath}: ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
  });
  const took = performance.now() - started;
  if (took > 100 && process.env.FLOTILLA_POLLER_TRACE)
    process.stderr.write(
      `poller: ${took.toFixed(0)} ms at ${new Date().toISOString()} (${phase}; the poller itself stalled ${ownStall.toFixed(0)} ms)\n`,
    );
  max = Math.max(max, took);
  byPhase[phase] = Math.max(byPhase[phase] ?? 0, Math.round(took));
  count++;
  await new Promise((r) => setTimeout(r, 10));
}
process.stdout.write(`${JSON.stringify({ max, count, byPhase })}\n`);
lines.close();
clearInterval(monitor);
agent.destroy();
