import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import * as prettier from 'prettier';

/**
 * What one `npm run bench` measured, gathered as each script reports, so that
 * `npm run bench -- --write` can put the whole run into docs/benchmarks.md between its markers,
 * stamped with the date, the commit and the machine's load: the figures there are then one run's,
 * never a collage of runs on different days.
 */
export interface Section {
  figure: string;
  title: string;
  rows: [string, string][];
}

export interface RunInfo {
  command: string;
  started: Date;
  commit: string;
  /** Files changed against the commit when the run started: figures of a dirty tree say so. */
  dirty: boolean;
  machine: string;
  loadBefore: number[];
  loadAfter: number[];
  /** Seconds each figure took, in run order. */
  took: [string, number][];
  failed?: string;
}

export const BEGIN = '<!-- bench:results:begin (written by `npm run bench -- --write`) -->';
export const END = '<!-- bench:results:end -->';

const sections: Section[] = [];
let current = '';

/** The figure whose script runs now: what it reports is filed under it. */
export function beginFigure(name: string): void {
  current = name;
}

export function record(title: string, rows: [string, string][]): void {
  sections.push({ figure: current, title, rows });
}

export function recorded(): Section[] {
  return sections;
}

export function runInfo(command: string, cwd: string): RunInfo {
  const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
  const cpus = os.cpus();
  return {
    command,
    started: new Date(),
    commit: git('rev-parse', '--short', 'HEAD'),
    dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
    machine: `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Linux ${os.release()}, Node ${process.version}`,
    loadBefore: os.loadavg(),
    loadAfter: os.loadavg(),
    took: [],
  };
}

const cell = (s: string) => s.replaceAll('|', '\\|');
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');

export function renderResults(info: RunInfo, all: Section[]): string {
  const lines = [
    `Generated from one run: \`${info.command}\`, started ${info.started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    `at commit \`${info.commit}\`${info.dirty ? ' **with uncommitted changes**' : ''}. Machine: ${info.machine}.`,
    `Load average (1 / 5 / 15 min) at the start ${load(info.loadBefore)}, at the end ${load(info.loadAfter)}.`,
  ];
  if (info.failed)
    lines.push('', `**The run failed:** ${info.failed}. The figures below are those measured before.`);
  const took = new Map(info.took);
  for (const figure of [...new Set(all.map((s) => s.figure))]) {
    const seconds = took.get(figure);
    lines.push('', `### \`${figure}\`${seconds === undefined ? '' : ` (took ${Math.round(seconds)} s)`}`);
    for (const s of all.filter((x) => x.figure === figure)) {
      lines.push('', s.title, '', '| measured | value |', '| --- | --- |');
      for (const [k, v] of s.rows) lines.push(`| ${cell(k)} | ${cell(v)} |`);
    }
  }
  return lines.join('\n');
}

/** `doc` with what lies between the markers replaced by `generated`; refuses a document without them. */
export function spliceResults(doc: string, generated: string): string {
  const b = doc.indexOf(BEGIN);
  const e = doc.indexOf(END);
  if (b < 0 || e < b) throw new Error(`the document has no ${BEGIN} … ${END} markers`);
  return `${doc.slice(0, b + BEGIN.length)}\n\n${generated}\n\n${doc.slice(e)}`;
}

/** Writes the run into `file`, formatted as prettier would (the docs are checked by it like the code). */
export async function writeResults(file: string, info: RunInfo, all: Section[]): Promise<void> {
  const doc = spliceResults(fs.readFileSync(file, 'utf8'), renderResults(info, all));
  const options = { ...(await prettier.resolveConfig(file)), filepath: file };
  fs.writeFileSync(file, await prettier.format(doc, options));
}
