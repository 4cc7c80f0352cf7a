import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');

/** Module loader hooks that write every module the CLI imports to $FLOTILLA_IMPORTS_LOG. */
const HOOKS = `import fs from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  fs.appendFileSync(process.env.FLOTILLA_IMPORTS_LOG, r.url + '\\n');
  return r;
}`;
const BOOT = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

/** The modules `flotilla <args>` imports (node: built-ins left out). */
function importsOf(args: string[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-imports-'));
  const log = path.join(dir, 'imports');
  try {
    const r = spawnSync(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(BOOT)}`, MAIN, ...args],
      { env: { ...process.env, FLOTILLA_IMPORTS_LOG: log }, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    return [...new Set(fs.readFileSync(log, 'utf8').split('\n'))].filter((u) => u.startsWith('file:'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const loads = (imports: string[], pkg: string) => imports.some((u) => u.includes(`/node_modules/${pkg}/`));

/**
 * Every `flotilla` command pays for what the CLI loads before it parses its arguments: each module is
 * about a millisecond to find, read and compile, a library's hundreds far more (TypeBox about 90 ms,
 * the Cassandra driver about 100). The clients of the failure lab's workloads, the artifact cache's
 * unzip and the API's schemas are loaded by the commands that need them, when they run; a command
 * line loads only the command it names.
 */
describe('the CLI at start', () => {
  it('loads no workload client, unzip, store or schema library, even for every command at once', () => {
    const all = importsOf(['--help']);
    for (const heavy of [
      'cassandra-driver',
      'kafkajs',
      'adm-zip',
      'better-sqlite3',
      'playwright-core',
      '@sinclair/typebox',
    ])
      assert.ok(!loads(all, heavy), `${heavy} is loaded at start`);
  });

  it('loads only the command it runs: ps reads no YAML and a fraction of the modules', () => {
    const all = importsOf(['--help']);
    const ps = importsOf(['ps', '--help']);
    assert.ok(loads(all, 'yaml'), 'up reads stack files with yaml');
    assert.ok(!loads(ps, 'yaml'), 'ps loads yaml');
    assert.ok(!ps.some((u) => u.includes('/cli/commands/stack-up.js')), 'ps loads up');
    assert.ok(ps.length < all.length / 2, `ps loads ${ps.length} modules, every command ${all.length}`);
  });
});
