import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlotillaError } from './errors.js';
import { LIMITS } from './limits.js';
import { readYaml, scanYaml } from './yaml-text.js';

const read = (text: string) => readYaml(text, { what: 'the stack file', code: 'STACK_INVALID' });

/**
 * Refused with `code`. The bound is no speed goal (those are benchmarks): it tells a refusal from a
 * parse that runs for minutes, as the alias bomb and the 50,000 keys once did, on a loaded machine too.
 */
function refused(text: string, code: string, mentions: RegExp): void {
  const started = performance.now();
  assert.throws(
    () => read(text),
    (err: unknown) => err instanceof FlotillaError && err.code === code && mentions.test(err.message),
  );
  const took = performance.now() - started;
  assert.ok(took < 10_000, `refused in ${took.toFixed(0)} ms`);
}

/** name, then `keys` env entries: ~1 MB for 50,000 keys, the file that froze the daemon for 100 s. */
function manyKeys(keys: number): string {
  const lines = ['name: big', 'apps:', '  a:', '    cmd: sleep 1', '    env:'];
  for (let i = 0; i < keys; i++) lines.push(`      K${i}: v${i}`);
  return lines.join('\n');
}

describe('readYaml', () => {
  it('reads YAML with merge keys and anchors', () => {
    const data = read('base: &b { cpus: 1, mem: 64 }\napp:\n  <<: *b\n  mem: 128\n');
    assert.deepEqual(data, { base: { cpus: 1, mem: 64 }, app: { cpus: 1, mem: 128 } });
  });

  it('refuses a 1 MB file of 50,000 keys at once, before building it', () => {
    const text = manyKeys(50_000);
    assert.ok(text.length > 1_000_000 && text.length < LIMITS.fileBytes);
    refused(text, 'INPUT_TOO_COMPLEX', /more than 10000 nodes/);
  });

  it('reads 4,500 keys, with the duplicate-key check linear', () => {
    const data = read(manyKeys(4_500)) as { apps: { a: { env: Record<string, string> } } };
    assert.equal(Object.keys(data.apps.a.env).length, 4_500);
    // Three times the keys: about three times the time when linear, nine when quadratic. The best of
    // three runs of each, side by side, so that a loaded machine slows both alike.
    const best = (keys: number) => {
      const text = manyKeys(keys);
      return Math.min(
        ...[0, 1, 2].map(() => {
          const started = performance.now();
          read(text);
          return performance.now() - started;
        }),
      );
    };
    const [small, large] = [best(1_500), best(4_500)];
    assert.ok(large / small < 6, `1,500 keys: ${small.toFixed(1)} ms; 4,500 keys: ${large.toFixed(1)} ms`);
  });

  it('names a duplicate key and its line', () => {
    refused('name: a\napps: {}\nname: b\n', 'STACK_INVALID', /line 3.*"name" appears twice/);
  });

  it('refuses an alias bomb by its expanded size, quickly', () => {
    const lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    refused(lines.join('\n'), 'INPUT_TOO_COMPLEX', /aliases expanded/);
  });

  it('refuses deep nesting, flow or block', () => {
    refused(`a: ${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'INPUT_TOO_COMPLEX', /deeper than 64/);
    const block = Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    refused(`${block} x`, 'INPUT_TOO_COMPLEX', /deeper than 64/);
  });

  it('refuses an alias that names no anchor (found by the fuzzing suite)', () => {
    refused('apps:\n  a:\n    ports: *a1\n', 'STACK_INVALID', /alias \*a1 names no anchor/);
  });

  it('refuses an alias inside the node it names', () => {
    refused('a: &a [1, *a]\n', 'INPUT_TOO_COMPLEX', /alias/);
  });

  it('refuses more than 1 MiB before reading it', () => {
    // Not YAML from its first line: a parse would have answered STACK_INVALID.
    refused(`[oops\na: "${'x'.repeat(LIMITS.fileBytes)}"`, 'PAYLOAD_TOO_LARGE', /1 MiB/);
    refused(`[oops\na: "${'é'.repeat(LIMITS.fileBytes / 2 + 1)}"`, 'PAYLOAD_TOO_LARGE', /limit is 1 MiB/);
  });

  it('reports a syntax error with the given code', () => {
    refused('name: broken\nservices: [oops\n', 'STACK_INVALID', /not valid YAML/);
  });
});

describe('scanYaml', () => {
  it('finds the top-level name and the words that may name variables, building nothing', () => {
    const scan = scanYaml(
      '# c\nname: "shop"\nservices:\n  web:\n    environment: [FROM_SHELL, A=1]\n    name: inner\n',
      'the file',
    );
    assert.equal(scan.name, 'shop');
    assert.ok(scan.words.has('FROM_SHELL'));
  });

  it('refuses by size and node count as readYaml does', () => {
    assert.throws(() => scanYaml(manyKeys(50_000), 'the file'), /more than 10000 nodes/);
  });
});
