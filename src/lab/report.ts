import fs from 'node:fs';
import path from 'node:path';
import type { Experiment } from './experiment.js';
import type { Second } from './history.js';

export interface CheckerResult {
  kind: string;
  valid: boolean;
  figures: Record<string, number | string>;
  /** What went wrong, one entry an anomaly (lost keys, …), at most 100. */
  anomalies: string[];
}

export interface FaultSpan {
  id: string;
  kind: string;
  targets: string[];
  /** ms since the start; healedAt null: healed at once (a kill). */
  at: number;
  healedAt: number | null;
}

/** A nemesis step the daemon refused (no task of the service ran, say): the run went on without it. */
export interface RefusedFault {
  /** ms since the start. */
  at: number;
  kind: string;
  error: string;
}

export interface Report {
  name: string;
  stack: string;
  valid: boolean;
  checkers: CheckerResult[];
  faults: FaultSpan[];
  refused: RefusedFault[];
  figures: { ok: number; fail: number; seconds: number };
  timeline: Second[];
}

/** report.json (the verdict per checker, the figures) and report.html (one self-contained page). */
export function writeReport(
  dir: string,
  r: {
    experiment: Experiment;
    stack: string;
    seconds: Second[];
    faults: FaultSpan[];
    refused: RefusedFault[];
    checkers: CheckerResult[];
  },
): Report {
  const report: Report = {
    name: r.experiment.name,
    stack: r.stack,
    valid: r.checkers.every((c) => c.valid),
    checkers: r.checkers,
    faults: r.faults,
    refused: r.refused,
    figures: {
      ok: r.seconds.reduce((a, s) => a + s.ok, 0),
      fail: r.seconds.reduce((a, s) => a + s.fail, 0),
      seconds: r.seconds.length,
    },
    timeline: r.seconds,
  };
  fs.writeFileSync(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'report.html'), html(report));
  return report;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The timeline as SVG: faults as bands, throughput (ok, failed) and p99 latency as lines. */
function html(r: Report): string {
  const W = 900;
  const H = 260;
  const n = Math.max(1, r.timeline.length);
  const x = (sec: number) => 40 + (sec / n) * (W - 60);
  const maxOps = Math.max(1, ...r.timeline.map((s) => s.ok + s.fail));
  const maxLat = Math.max(1, ...r.timeline.map((s) => s.p99 ?? 0));
  const y = (v: number, max: number) => H - 30 - (v / max) * (H - 50);
  const line = (pick: (s: Second) => number | null, max: number, color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${r.timeline
      .filter((s) => pick(s) !== null)
      .map((s) => `${x(s.t).toFixed(1)},${y(pick(s)!, max).toFixed(1)}`)
      .join(' ')}"/>`;
  const bands = r.faults
    .map((f) => {
      const from = x(f.at / 1000);
      const to = f.healedAt === null ? from + 2 : x(f.healedAt / 1000);
      return (
        `<rect x="${from.toFixed(1)}" y="10" width="${Math.max(2, to - from).toFixed(1)}" height="${H - 40}" ` +
        `fill="#f4a261" opacity="0.35"><title>${esc(`${f.kind} ${f.targets.join(',')}`)}</title></rect>` +
        `<text x="${from.toFixed(1)}" y="22" font-size="10">${esc(f.kind)}</text>`
      );
    })
    .join('');
  const failMarks = r.timeline
    .filter((s) => s.fail > 0)
    .map(
      (s) =>
        `<circle cx="${x(s.t).toFixed(1)}" cy="${H - 22}" r="3" fill="#d62828"><title>${s.fail} failed</title></circle>`,
    )
    .join('');
  const rows = r.checkers
    .map(
      (c) =>
        `<tr><td>${esc(c.kind)}</td><td class="${c.valid ? 'ok' : 'bad'}">${c.valid ? 'PASS' : 'FAIL'}</td>` +
        `<td>${esc(JSON.stringify(c.figures))}</td><td>${esc(c.anomalies.slice(0, 10).join(' '))}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(r.name)}</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd}.ok{color:#2a9d8f;font-weight:bold}.bad{color:#d62828;font-weight:bold}</style>
</head><body><h1>${esc(r.name)} — ${r.valid ? '<span class="ok">PASS</span>' : '<span class="bad">FAIL</span>'}</h1>
<p>stack ${esc(r.stack)}; ${r.figures.ok} operations ok, ${r.figures.fail} failed or unknown, over ${r.figures.seconds} s</p>
<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" style="border:1px solid #ccc">${bands}
${line((s) => s.ok, maxOps, '#2a9d8f')}${line((s) => s.fail, maxOps, '#d62828')}${line((s) => s.p99, maxLat, '#264653')}${failMarks}
<text x="40" y="${H - 8}" font-size="11">0 s</text><text x="${W - 60}" y="${H - 8}" font-size="11">${n} s</text>
<text x="${W - 330}" y="${H - 8}" font-size="11" fill="#2a9d8f">ok/s (max ${maxOps})</text>
<text x="${W - 230}" y="${H - 8}" font-size="11" fill="#d62828">failed/s</text>
<text x="${W - 170}" y="${H - 8}" font-size="11" fill="#264653">p99 ms (max ${maxLat.toFixed(0)})</text></svg>
<h2>Checkers</h2><table><tr><th>checker</th><th>verdict</th><th>figures</th><th>anomalies (first 10)</th></tr>${rows}</table>
<h2>Faults</h2><ul>${r.faults.map((f) => `<li>${(f.at / 1000).toFixed(1)} s: ${esc(f.kind)} ${esc(f.targets.join(', '))}${f.healedAt !== null ? `, healed at ${(f.healedAt / 1000).toFixed(1)} s` : ''}</li>`).join('')}</ul>
${r.refused.length > 0 ? `<h2>Refused faults</h2><ul>${r.refused.map((f) => `<li>${(f.at / 1000).toFixed(1)} s: ${esc(f.kind)}: ${esc(f.error)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
