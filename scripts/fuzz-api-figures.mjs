// The figures of an API fuzzing run (scripts/fuzz-api.sh): requests, answers by status, failed
// checks, per role, from schemathesis's NDJSON reports, and the /v1/health probe's worst answer.
// Exits 1 when a role sent fewer than 2,000 requests, any answer was a 5xx or any check failed; 2 when
// only /v1/health once took more than 100 ms (scripts/fuzz-api.sh runs another round then).
import fs from 'node:fs';
import path from 'node:path';
import console from 'node:console';
import process from 'node:process';

const [reports, probeFile] = process.argv.slice(2);
const MIN_REQUESTS = Number(process.env.FLOTILLA_FUZZ_API_MIN_REQUESTS ?? 2000);
let ok = true;
const figures = {};
for (const role of ['tenant', 'admin']) {
  const file = path.join(reports, `${role}.ndjson`);
  const f = { requests: 0, byStatus: {}, serverErrors: 0, failedChecks: {} };
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('ScenarioFinished')) continue;
    const recorder = JSON.parse(line).ScenarioFinished.recorder;
    for (const i of Object.values(recorder.interactions ?? {})) {
      f.requests++;
      const status = i.response?.status_code ?? 'none';
      f.byStatus[status] = (f.byStatus[status] ?? 0) + 1;
      if (typeof status === 'number' && status >= 500) f.serverErrors++;
    }
    for (const checks of Object.values(recorder.checks ?? {}))
      for (const c of checks)
        if (c.status === 'failure') f.failedChecks[c.name] = (f.failedChecks[c.name] ?? 0) + 1;
  }
  figures[role] = f;
  if (f.requests < MIN_REQUESTS || f.serverErrors > 0 || Object.keys(f.failedChecks).length > 0) ok = false;
}
const probe = JSON.parse(fs.readFileSync(probeFile, 'utf8'));
figures.health = { answers: probe.count, slowestMs: Math.round(probe.max) };
console.log(`API fuzzing figures: ${JSON.stringify(figures)}`);
if (!ok) console.log('API fuzzing FAILED: see the figures above');
else if (probe.max > 100) console.log('API fuzzing: /v1/health was once slower than 100 ms');
process.exit(!ok ? 1 : probe.max > 100 ? 2 : 0);
