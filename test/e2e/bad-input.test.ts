import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestHome } from '../helpers/flotilla.js';

const RUNNING = `
name: steady
apps:
  web:
    cmd: exec python3 -m http.server "$PORT0" --bind "$HOST"
    ports: [0]
    cpus: 0.1
    mem: 32
    healthChecks:
      - { protocol: HTTP, path: /, gracePeriodSeconds: 15, intervalSeconds: 1 }
`;

/** Bad input gets its coded error, and nothing that runs is disturbed. */
describe('bad input', () => {
  const home = new TestHome();
  const file = (name: string, text: string) => {
    const p = path.join(home.home, name);
    fs.writeFileSync(p, text);
    return p;
  };
  let before_: { pid: number | null; launches: number };

  before(async () => {
    await home.ok(['up', '-f', file('steady.yml', RUNNING), '--wait', '--timeout', '60']);
    const t = await home.client().getTask('web.0');
    before_ = { pid: t.pid, launches: t.launches };
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  async function expectError(args: string[], code: string, mentions: RegExp): Promise<void> {
    const r = await home.cli(args);
    assert.equal(r.code, 1, `exit code for ${code}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`error ${code}: `));
    assert.match(r.stderr, mentions);
    const t = await home.client().getTask('web.0');
    assert.equal(t.pid, before_.pid, 'the running task was not touched');
    assert.equal(t.launches, before_.launches);
    assert.equal(t.state, 'healthy');
    assert.deepEqual(
      (await home.client().listTasks()).map((x) => x.id),
      ['web.0'],
      'nothing else was created',
    );
  }

  it('an invalid stack file', async () => {
    await expectError(
      ['up', '-f', file('broken.yml', 'name: broken\nservices: [oops\n')],
      'STACK_INVALID',
      /YAML/,
    );
    await expectError(
      ['up', '-f', file('typo.yml', 'name: typo\nservice:\n  cache: { package: redis }\n')],
      'STACK_INVALID',
      /stack\.service: unknown key/,
    );
  });

  it('an unknown package option, named with a suggestion', async () => {
    await expectError(
      [
        'up',
        '-f',
        file('opt.yml', 'name: opt\nservices:\n  cache:\n    package: redis\n    options: { replica: 1 }\n'),
      ],
      'PACKAGE_OPTIONS_INVALID',
      /"replica".*"replicas"/,
    );
  });

  it('an unsupported Marathon field', async () => {
    const app = file(
      'app.json',
      JSON.stringify({ id: '/fetched', cmd: 'sleep 100', uris: ['http://example.com/app.tgz'] }),
    );
    await expectError(['app', 'add', app], 'APP_FIELD_UNSUPPORTED', /uris/);
  });

  it('a port already taken by another program', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen({ host: '0.0.0.0', port: 0 }, r));
    const port = (squatter.address() as net.AddressInfo).port;
    try {
      const stack = `name: clash\napps:\n  fixed:\n    args: [sleep, "100"]\n    ports: [${port}]\n    requirePorts: true\n`;
      await expectError(['up', '-f', file('clash.yml', stack)], 'PORT_IN_USE', new RegExp(`port ${port}`));
    } finally {
      squatter.close();
    }
  });

  it('a change to a running stack that fails leaves the stack as it was', async () => {
    const edited = RUNNING.replace('name: steady', 'name: steady').concat(
      '  extra:\n    cmd: sleep 100\n    dependencies: [nowhere]\n',
    );
    await expectError(['up', '-f', file('steady-edit.yml', edited)], 'STACK_INVALID', /nowhere/);
  });

  it('what can never run is refused before anything is stored (issue 16, defect 3)', async () => {
    const app = (name: string, body: string) => file(`${name}.yml`, `name: ${name}\napps:\n  a:\n${body}`);
    await expectError(['up', '-f', app('empty', '    cmd: ""\n')], 'APP_INVALID', /cmd: is empty/);
    await expectError(['up', '-f', app('noargs', '    args: []\n')], 'APP_INVALID', /args: is empty/);
    await expectError(
      ['up', '-f', app('e2big', `    cmd: sleep 9\n    env: { BIG: "${'x'.repeat(140 * 1024)}" }\n`)],
      'ENV_TOO_LARGE',
      /env\.BIG .* over 128 KiB/,
    );
    await expectError(
      ['up', '-f', app('huge', '    cmd: sleep 9\n    mem: 99999999\n')],
      'RESOURCES_UNSATISFIABLE',
      /no node could ever hold it: the largest, node-\d+ \(127\.0\.10\.\d+\), offers/,
    );
    await expectError(
      ['up', '--dry-run', '-f', app('dry', '    cmd: sleep 9\n    mem: 99999999\n')],
      'RESOURCES_UNSATISFIABLE',
      /the largest/,
    );
  });

  it('references that resolve to nothing are refused; an unset variable is blank, with a warning (defect 4)', async () => {
    const env = (name: string, value: string) =>
      file(
        `${name}.yml`,
        `name: ${name}\nservices:\n  cache: { package: redis }\napps:\n  a:\n    cmd: sleep 9\n    env: { Y: "${value}" }\n`,
      );
    await expectError(
      ['up', '-f', env('nosuch', '${nosuch.url}')],
      'STACK_REFERENCE_UNKNOWN',
      /no service of this stack/,
    );
    await expectError(['up', '-f', env('nofield', '${cache}')], 'STACK_REFERENCE_UNKNOWN', /without a field/);
    await expectError(['up', '-f', env('dots', '${a.b.c}')], 'STACK_REFERENCE_UNKNOWN', /neither a/);
    const dry = await home.cli(['up', '--dry-run', '-f', env('unset', '[${UNDEFINED_VAR}]')]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stderr,
      /^warning: the variable UNDEFINED_VAR is not set: it is read as an empty string$/m,
    );
  });
});
