import { appsOf } from '../core/declaration.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { interpolateVariables, parseDotenv, splitWords } from './compose-text.js';
import { interpolate } from './interpolate.js';
import { compose, dir, failure, web } from './compose-testing.js';

describe('command and entrypoint', () => {
  it('splits a string like a shell word list, without running a shell', () => {
    const app = web({ command: `sh -c 'echo "$$HOME" > /x' --flag="a b" c\\ d`, entrypoint: '/init --' });
    assert.deepEqual(app.args, ['sh', '-c', 'echo "$HOME" > /x', '--flag=a b', 'c d']);
    assert.deepEqual(app.container!.entrypoint, ['/init', '--']);
    assert.equal(app.container!.imageCommand, undefined);
  });

  it('takes a list as is (numbers as text)', () => {
    const app = web({ command: ['redis-server', '--port', 6380, 'a b'], entrypoint: [] });
    assert.deepEqual(app.args, ['redis-server', '--port', '6380', 'a b']);
    assert.deepEqual(app.container!.entrypoint, []);
  });

  it('splitWords handles quotes, escapes and empty words, and refuses unclosed quotes', () => {
    assert.deepEqual(splitWords(`a  'b c' "d \\"e\\" \\x" '' f\\ g`, 'p'), [
      'a',
      'b c',
      'd "e" \\x',
      '',
      'f g',
    ]);
    assert.deepEqual(splitWords('  ', 'p'), []);
    assert.match(
      failure(() => splitWords("echo 'oops", 'services.web.command')),
      /services\.web\.command: a single quote/,
    );
    assert.match(
      failure(() => splitWords('echo "oops', 'p')),
      /a double quote is not closed/,
    );
  });
});

describe('environment and env_file', () => {
  it('reads a mapping or a list; a bare KEY comes from the variables or is left out', () => {
    const variables = { FROM_SHELL: 'shell' };
    const map = web(
      { environment: { A: 1, B: true, C: 'x=y', FROM_SHELL: null, MISSING: null } },
      {},
      { variables },
    );
    assert.deepEqual(map.env, { A: '1', B: 'true', C: 'x=y', FROM_SHELL: 'shell' });
    const list = web({ environment: ['A=1', 'C=x=y', 'E=', 'FROM_SHELL', 'MISSING'] }, {}, { variables });
    assert.deepEqual(list.env, { A: '1', C: 'x=y', E: '', FROM_SHELL: 'shell' });
  });

  it('reads env files relative to the folder; environment wins; a required file must exist', () => {
    fs.writeFileSync(
      path.join(dir, 'app.env'),
      [
        '# settings',
        'PLAIN=one two # a comment',
        'export EXPORTED=yes',
        "SINGLE='kept $LITERAL # not a comment'",
        'DOUBLE="line\\nnext ${USER_NAME}"',
        'OVERRIDDEN=file',
        'BARE',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'more.env'), 'MORE=1\nPLAIN=second\n');
    const app = web(
      {
        env_file: ['app.env', './more.env', { path: 'absent.env', required: false }],
        environment: { OVERRIDDEN: 'environment' },
      },
      {},
      { variables: { USER_NAME: 'ann', BARE: 'from-variables' } },
    );
    assert.deepEqual(app.env, {
      PLAIN: 'second',
      EXPORTED: 'yes',
      SINGLE: 'kept $LITERAL # not a comment',
      DOUBLE: 'line\nnext ann',
      OVERRIDDEN: 'environment',
      BARE: 'from-variables',
      MORE: '1',
    });
    assert.equal(web({ env_file: 'more.env' }).env.MORE, '1');
    assert.match(
      failure(() => web({ env_file: 'absent.env' })),
      /^STACK_INVALID: services\.web\.env_file: cannot read .*absent\.env/,
    );
    assert.match(
      failure(() => parseDotenv('not a line\n', {}, 'f.env')),
      /f\.env:1: expected KEY=VALUE/,
    );
  });
});

describe('interpolation', () => {
  const vars = { TAG: '1.27', EMPTY: '', PORT: '8081', N: '2' };
  const interp = (s: string) => interpolateVariables(s, vars, 'p');

  it('substitutes every form Compose knows', () => {
    assert.equal(interp('nginx:${TAG}'), 'nginx:1.27');
    assert.equal(interp('$TAG-$NOPE.'), '1.27-.');
    assert.equal(interp('${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${UNSET:-d}'), 'd  d d');
    assert.equal(interp('${TAG:+set} ${EMPTY:+set} ${EMPTY+set} ${UNSET+set}.'), 'set  set .');
    assert.equal(interp('${UNSET:-${ALSO_UNSET:-${TAG}}}'), '1.27');
    assert.equal(interp('$$TAG $${TAG} cost $5 a$ $'), '$TAG ${TAG} cost $5 a$ $');
    assert.equal(interp('${EMPTY?ok}'), '');
  });

  it('refuses a missing required variable with its message, naming the key', () => {
    assert.match(
      failure(() => web({ environment: { PASSWORD: '${DB_PASSWORD:?set DB_PASSWORD first}' } })),
      /^STACK_INVALID: services\.web\.environment\.PASSWORD: the variable DB_PASSWORD is required: set DB_PASSWORD first/,
    );
    assert.match(
      failure(() => interp('${EMPTY:?}')),
      /the variable EMPTY is required$/,
    );
    assert.match(
      failure(() => interp('${TAG')),
      /without its closing/,
    );
    assert.match(
      failure(() => interp('${TAG/a/b}')),
      /is not a variable Compose can interpolate/,
    );
  });

  it('interpolates every value, numbers included, from variables over the folder .env', () => {
    const folder = fs.mkdtempSync(path.join(dir, 'dotenv-'));
    fs.writeFileSync(path.join(folder, '.env'), 'TAG=from-dotenv\nREPLICAS=2\nHOST_PORT=${PORT}0\n');
    const app = appsOf(
      compose(
        {
          services: {
            web: {
              image: 'nginx:${TAG}',
              ports: ['${HOST_PORT}:80'],
              deploy: { replicas: '${REPLICAS}' },
              command: 'serve --name ${NAME:-anon}',
            },
          },
        },
        { directory: folder, variables: { TAG: '1.27', PORT: '808' } },
      ),
    )[0]!;
    assert.equal(app.container!.image, 'nginx:1.27');
    assert.deepEqual(app.ports, [8080]);
    assert.equal(app.instances, 2);
    assert.deepEqual(app.args, ['serve', '--name', 'anon']);
  });

  it('reads COMPOSE_PROJECT_NAME as the project name, as Compose sets it, unless the environment does', () => {
    const env = { image: 'nginx:1.27', environment: { P: '${COMPOSE_PROJECT_NAME:-none}' } };
    assert.deepEqual(web(env).env, { P: 'demo' });
    assert.deepEqual(web(env, { name: 'Named' }).env, { P: 'named' });
    assert.deepEqual(web(env, {}, { variables: { COMPOSE_PROJECT_NAME: 'given' } }).env, { P: 'given' });
  });

  it("leaves x- blocks alone, and keeps a Compose-literal ${svc.field} away from Flotilla's references", () => {
    const app = appsOf(
      compose({
        'x-unused': { value: '${REQUIRED:?never read}' },
        services: {
          web: { image: 'x', environment: { URL: 'http://$${db.host}:5432', ESC: '$$$${db.host}' } },
        },
      }),
    )[0]!;
    const resolved = interpolate(app, new Map([['db', { host: 'resolved' }]]), 'apps.web');
    assert.deepEqual(resolved.env, { URL: 'http://${db.host}:5432', ESC: '$${db.host}' });
  });
});
