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
/** The hooks see imports; CommonJS packages' own `require`s (yaml's files) are in require's cache. */
const BOOT = `import { createRequire, register } from 'node:module';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});
const cache = createRequire(process.execPath).cache;
process.on('exit', () => fs.appendFileSync(process.env.FLOTILLA_IMPORTS_LOG,
  Object.keys(cache).map((f) => pathToFileURL(f).href + '\\n').join('')));`;

/** The modules `flotilla <args>` imports (node: built-ins left out). */
function importsOf(args: string[], status = 0, env: NodeJS.ProcessEnv = {}): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-imports-'));
  const log = path.join(dir, 'imports');
  try {
    const r = spawnSync(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(BOOT)}`, MAIN, ...args],
      { env: { ...process.env, ...env, FLOTILLA_IMPORTS_LOG: log }, encoding: 'utf8' },
    );
    assert.equal(r.status, status, r.stderr);
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
    assert.ok(!loads(ps, 'yaml'), 'ps loads yaml');
    assert.ok(!ps.some((u) => u.includes('/cli/commands/stack-up.js')), 'ps loads up');
    assert.ok(ps.length < all.length / 2, `ps loads ${ps.length} modules, every command ${all.length}`);
  });

  it('answers --version without loading any command', () => {
    const version = importsOf(['--version']);
    assert.deepEqual(
      version.filter((u) => u.includes('/cli/commands/')).map((u) => path.basename(u)),
      ['index.js'],
    );
  });

  it("reads up's stack file with yaml's lexer alone, not the whole package", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-imports-'));
    try {
      const file = path.join(dir, 'cache.yml');
      fs.writeFileSync(file, 'name: cache\nservices:\n  cache:\n    package: redis\n');
      // No daemon answers there: up reads its file, then fails to connect (exit 1).
      const up = importsOf(['up', '-f', file, '--dry-run'], 1, {
        FLOTILLA_HOME: dir,
        FLOTILLA_ADDR: 'http://127.0.0.1:9',
      });
      const yaml = up.filter((u) => u.includes('/node_modules/yaml/'));
      assert.ok(
        yaml.some((u) => u.endsWith('/dist/parse/lexer.js')),
        'up scans with the lexer',
      );
      assert.ok(!yaml.some((u) => u.includes('/dist/compose/composer.js')), 'up loads the YAML composer');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
