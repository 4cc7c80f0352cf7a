import { appsOf } from '../core/declaration.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseDuration, parseMemory } from './compose-text.js';
import { compose, failure, warningsOf, web } from './compose-testing.js';

describe('depends_on', () => {
  const two = (deps: unknown) =>
    compose({ services: { db: { image: 'db' }, web: { image: 'web', depends_on: deps } } });
  const webOf = (deps: unknown) => appsOf(two(deps)).find((a) => a.id === 'web')!;

  it('a list means "started"; a mapping maps each condition', () => {
    assert.deepEqual(webOf(['db']).dependsOnCondition, { db: 'started' });
    assert.deepEqual(webOf(['db']).dependencies, ['db']);
    for (const [condition, expected] of [
      ['service_started', 'started'],
      ['service_healthy', 'ready'],
      ['service_completed_successfully', 'completed'],
    ]) {
      assert.deepEqual(webOf({ db: { condition } }).dependsOnCondition, { db: expected });
    }
    assert.deepEqual(webOf({ db: null }).dependsOnCondition, { db: 'started' });
    assert.equal(appsOf(two([])).find((a) => a.id === 'db')!.dependsOnCondition, undefined);
  });

  it('refuses unknown services, conditions and cycles; drops an absent optional one', () => {
    assert.match(
      failure(() => webOf(['cache'])),
      /^STACK_INVALID: services\.web\.depends_on: names "cache", which the file does not declare/,
    );
    assert.match(
      failure(() => webOf({ db: { condition: 'service_ready' } })),
      /depends_on\.db\.condition: must be/,
    );
    assert.deepEqual(two({ db: { restart: true } }).warnings, [
      'services.web.depends_on.db.restart: a dependent is not restarted with its dependency',
    ]);
    assert.deepEqual(webOf({ cache: { condition: 'service_started', required: false } }).dependencies, []);
    const cycle = {
      services: { a: { image: 'x', depends_on: ['b'] }, b: { image: 'x', depends_on: ['a'] } },
    };
    assert.match(
      failure(() => compose(cycle)),
      /^DEPENDENCY_CYCLE: .*a -> b -> a/,
    );
  });
});

describe('healthcheck', () => {
  const check = (healthcheck: object) => web({ healthcheck }).healthChecks;

  it('joins a CMD test into one shell command that gives back the same words', () => {
    // `$$` is Compose's literal `$`: the container's shell must see $HOME as text, not expand it.
    const words = ['printf', '%s|', "it's", 'a "b"', '$HOME', '`id`', '\\n', '*', '', "'; exit 1; '"];
    const [hc] = check({ test: ['CMD', ...words.map((w) => w.replace('$', '$$$$'))] });
    assert.equal(hc!.protocol, 'COMMAND');
    const out = execFileSync('/bin/sh', ['-c', hc!.command!], { encoding: 'utf8' });
    assert.equal(
      out,
      words
        .slice(2)
        .map((w) => `${w}|`)
        .join(''),
    );
  });

  it('runs CMD-SHELL and a plain string as written; NONE and disable turn it off', () => {
    assert.equal(
      check({ test: ['CMD-SHELL', 'pg_isready -U postgres || exit 1'] })[0]!.command,
      'pg_isready -U postgres || exit 1',
    );
    assert.equal(
      check({ test: 'curl -f http://localhost/ || exit 1' })[0]!.command,
      'curl -f http://localhost/ || exit 1',
    );
    assert.deepEqual(check({ test: ['NONE'] }), []);
    assert.deepEqual(check({ test: ['CMD', 'true'], disable: true }), []);
    assert.match(
      failure(() => check({ test: ['RUN', 'x'] })),
      /healthcheck\.test: must start with CMD, CMD-SHELL or NONE/,
    );
    assert.match(
      failure(() => check({ interval: '5s' })),
      /healthcheck\.test: is required/,
    );
  });

  it("maps Compose durations and retries; the grace period covers Docker's earliest unhealthy verdict", () => {
    const [hc] = check({
      test: 'true',
      interval: '1m30s',
      timeout: '500ms',
      start_period: '10s',
      retries: 5,
      start_interval: '1s',
    });
    assert.deepEqual(
      { ...hc, command: undefined },
      {
        protocol: 'COMMAND',
        portIndex: 0,
        command: undefined,
        gracePeriodSeconds: 10 + 90 * 5,
        intervalSeconds: 90,
        timeoutSeconds: 0.5,
        maxConsecutiveFailures: 5,
      },
    );
    const [d] = check({ test: 'true' });
    assert.deepEqual(
      [d!.intervalSeconds, d!.timeoutSeconds, d!.maxConsecutiveFailures, d!.gracePeriodSeconds],
      [30, 30, 3, 90],
    );
    assert.match(
      failure(() => check({ test: 'true', interval: 'soon' })),
      /healthcheck\.interval: "soon" is not a duration/,
    );
  });

  it('parses durations and sizes', () => {
    assert.deepEqual(
      ['10s', '1m30s', '500ms', '1h', '1.5s', '2m3s4ms', 7, '0'].map((d) => parseDuration(d, 'p')),
      [10, 90, 0.5, 3600, 1.5, 123.004, 7, 0],
    );
    assert.deepEqual(
      ['512m', '1g', '1GB', '2048k', '1.5G', 1048576, '100MiB'].map((m) => parseMemory(m, 'p')),
      [512, 1024, 1024, 2, 1536, 1, 100],
    );
    assert.match(
      failure(() => parseMemory('lots', 'services.web.mem_limit')),
      /services\.web\.mem_limit: "lots" is not a size/,
    );
  });
});

describe('restart, deploy and resources', () => {
  it('maps restart policies', () => {
    const policy = (restart: unknown) => web({ restart }).restart;
    assert.deepEqual(['no', 'always', 'unless-stopped', 'on-failure', 'on-failure:3'].map(policy), [
      'no',
      'always',
      'always',
      'on-failure',
      'on-failure',
    ]);
    assert.match(
      failure(() => policy('sometimes')),
      /services\.web\.restart: "sometimes" is not a restart policy/,
    );
    assert.equal(
      web({ deploy: { restart_policy: { condition: 'on-failure', delay: '5s', max_attempts: 3 } } }).restart,
      'on-failure',
    );
    assert.equal(
      web({ deploy: { restart_policy: { condition: 'on-failure', delay: '5s' } } }).backoffSeconds,
      5,
    );
    assert.equal(
      web({ restart: 'always', deploy: { restart_policy: { condition: 'none' } } }).restart,
      'always',
    );
  });

  it('maps replicas and resource limits (reservations when there are no limits)', () => {
    const app = web({
      deploy: {
        replicas: 3,
        resources: { limits: { cpus: '1.5', memory: '1g' }, reservations: { cpus: 0.25, memory: '256m' } },
      },
    });
    assert.deepEqual([app.instances, app.cpus, app.mem], [3, 1.5, 1024]);
    const reserved = web({ deploy: { resources: { reservations: { cpus: 0.25, memory: '256M' } } } });
    assert.deepEqual([reserved.cpus, reserved.mem], [0.25, 256]);
    const legacy = web({ scale: 2, cpus: 2, mem_limit: '768m' });
    assert.deepEqual([legacy.instances, legacy.cpus, legacy.mem], [2, 2, 768]);
    assert.match(
      failure(() => web({ scale: 2, deploy: { replicas: 3 } })),
      /services\.web\.scale: is 2 but deploy\.replicas is 3/,
    );
    assert.deepEqual(warningsOf({ deploy: { mode: 'global' } }), [
      'services.web.deploy.mode: "global" (one task per node) is ignored: the service runs its replicas (default 1)',
    ]);
    assert.deepEqual(warningsOf({ deploy: { placement: { constraints: ['node.role==manager'] } } }), [
      'services.web.deploy.placement: Flotilla places tasks itself',
    ]);
    assert.equal(web({ deploy: { resources: { limits: { pids: 10 } } } }).container!.engine!.pidsLimit, 10);
  });

  it('maps working_dir, user, labels, stop_grace_period and init', () => {
    const app = web({
      working_dir: '/srv',
      user: '1000:1000',
      labels: ['a=1', 'b'],
      stop_grace_period: '1m',
      init: true,
    });
    assert.equal(app.container!.workdir, '/srv');
    assert.equal(app.container!.user, '1000:1000');
    assert.equal(app.container!.imageUser, undefined);
    assert.deepEqual(app.labels, { a: '1', b: '' });
    assert.equal(app.taskKillGracePeriodSeconds, 60);
    assert.deepEqual(web({ labels: { 'com.example.team': 'data' } }).labels, { 'com.example.team': 'data' });
  });
});
