import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { isFlotillaError } from '../core/errors.js';
import { readStackFile, stackFromSource } from './stack-file.js';

const NAMED = '# the dev stack\nname: dev\nservices:\n  cache:\n    package: redis\n';
const UNNAMED = 'services:\n  cache:\n    package: redis\n';

describe('stack name resolution', () => {
  it("uses the file's top-level name:", () => {
    assert.deepEqual(stackFromSource(NAMED, 'stacks/x.yaml'), { name: 'dev', source: NAMED });
  });

  it("falls back to the file's base name without its extension", () => {
    assert.equal(stackFromSource(UNNAMED, '/a/b/kafka-dev.yaml').name, 'kafka-dev');
    assert.equal(stackFromSource(UNNAMED, 'plain').name, 'plain');
  });

  it('prefers --name, and sends an unnamed file unchanged', () => {
    assert.deepEqual(stackFromSource(UNNAMED, 'x.yml', 'acme'), { name: 'acme', source: UNNAMED });
  });

  it('rewrites a contradicting name: for --name, keeping the rest of the file and its comments', () => {
    const { name, source } = stackFromSource(NAMED, 'x.yaml', 'acme');
    assert.equal(name, 'acme');
    assert.equal(parse(source).name, 'acme');
    assert.deepEqual(parse(source).services, parse(NAMED).services);
    assert.ok(source.includes('# the dev stack'));
  });

  it('sends invalid YAML as is, for the daemon to point at the error', () => {
    const bad = 'name: [unclosed\n';
    assert.deepEqual(stackFromSource(bad, 'bad.yaml'), { name: 'bad', source: bad });
  });

  it('finds the name of a flow-style file too', () => {
    assert.equal(stackFromSource('{name: flow, services: {}}\n', 'x.yaml').name, 'flow');
  });
});

describe('readStackFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cli-stack-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the file and names the stack from it', () => {
    const file = path.join(dir, 'web.yaml');
    fs.writeFileSync(file, UNNAMED);
    assert.equal(readStackFile(file).name, 'web');
  });

  it('refuses a 5 MB file from its size, before reading it (issue 16, defect 2)', () => {
    const file = path.join(dir, 'huge.yaml');
    // Not YAML from its first line: a file read and parsed would have been refused as STACK_INVALID.
    const lines = ['[oops', 'name: huge', 'apps:', '  a:', '    cmd: sleep 1', '    env:'];
    for (let i = 0; i < 250_000; i++) lines.push(`      K${i}: v${i}`);
    fs.writeFileSync(file, lines.join('\n'));
    assert.throws(
      () => readStackFile(file),
      (err) =>
        isFlotillaError(err) &&
        err.code === 'PAYLOAD_TOO_LARGE' &&
        /huge\.yaml is 5\.\d MiB; the limit is 1 MiB/.test(err.message),
    );
  });

  it('refuses a 1 MB file of 50,000 keys at once, as the daemon would', () => {
    const file = path.join(dir, 'keys.yaml');
    const lines = ['name: keys', 'apps:', '  a:', '    cmd: sleep 1', '    env:'];
    for (let i = 0; i < 50_000; i++) lines.push(`      K${i}: v${i}`);
    fs.writeFileSync(file, lines.join('\n'));
    const started = performance.now();
    assert.throws(
      () => readStackFile(file),
      (err) => isFlotillaError(err) && err.code === 'INPUT_TOO_COMPLEX',
    );
    // A refusal, not a parse of minutes (this file froze the daemon for 100 s); no speed goal.
    assert.ok(performance.now() - started < 10_000);
  });

  it('reports a missing file as STACK_INVALID naming the path', () => {
    const file = path.join(dir, 'missing.yaml');
    assert.throws(
      () => readStackFile(file),
      (err) => isFlotillaError(err) && err.code === 'STACK_INVALID' && err.message.includes(file),
    );
  });
});

describe('Compose files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cli-compose-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names an unnamed Compose file after its folder, as Compose names its project', () => {
    const folder = path.join(dir, 'My_Shop');
    fs.mkdirSync(folder);
    const text = 'services:\n  web:\n    image: nginx\n';
    for (const base of ['compose.yaml', 'docker-compose.yml']) {
      fs.writeFileSync(path.join(folder, base), text);
      assert.equal(readStackFile(path.join(folder, base)).name, 'my-shop');
    }
    assert.equal(stackFromSource(`name: shop\n${text}`, path.join(folder, 'compose.yaml')).name, 'shop');
    // Whatever the file is called (`-f shop-dev.yaml`), as `docker compose -f` names the project.
    assert.equal(stackFromSource(text, path.join(folder, 'shop-dev.yaml')).name, 'my-shop');
    // A Flotilla stack file keeps its base name.
    assert.equal(stackFromSource(UNNAMED, path.join(folder, 'shop-dev.yaml')).name, 'shop-dev');
  });

  it('sends the folder and only the environment entries the file refers to', () => {
    const file = path.join(dir, 'compose.yaml');
    fs.writeFileSync(
      file,
      [
        'services:',
        '  web:',
        '    image: nginx:${TAG:-1.27}',
        '    command: echo $$NOT_A_REFERENCE $GREETING',
        '    environment:',
        '      - FROM_SHELL',
        '      - SET=1',
        '  db:',
        '    image: postgres',
        '    environment:',
        '      PGUSER:',
        '',
      ].join('\n'),
    );
    const env = {
      TAG: '2',
      GREETING: 'hi',
      FROM_SHELL: 's',
      PGUSER: 'ann',
      NOT_A_REFERENCE: 'x',
      SECRET: 'no',
    };
    const request = readStackFile(file, undefined, env);
    assert.equal(request.directory, dir);
    assert.deepEqual(request.variables, { TAG: '2', GREETING: 'hi', FROM_SHELL: 's', PGUSER: 'ann' });
  });
});
