import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { FlotillaEvent } from '../../src/client/client.js';
import type { Engine } from '../../src/drivers/docker/engine.js';
import { dockerEngine } from '../helpers/docker.js';
import { TestHome, waitFor } from '../helpers/flotilla.js';

const probe = await dockerEngine();
if ('skip' in probe) console.error(probe.skip);
else probe.engine.close();

/**
 * A Compose file as users write them: a database with a health check, and an app that waits for it
 * (`service_healthy`) and uses it by its service name on the stack's network. The images come from
 * `flotilla images build` (the catalog's Redis image) and a `build:` of the file's own folder.
 */
describe('a docker-compose.yml under Flotilla', { skip: 'skip' in probe ? probe.skip : undefined }, () => {
  const home = new TestHome();
  const dir = path.join(home.home, 'shop');
  let redisImage = '';

  before(async () => {
    const built = JSON.parse(await home.ok(['images', 'build', 'redis', '--json'], 600_000)) as {
      builtImages?: string[];
      presentImages?: string[];
    };
    redisImage =
      [...(built.builtImages ?? []), ...(built.presentImages ?? [])].find((n) =>
        n.startsWith('flotilla/redis:'),
      ) ?? '';
    assert.ok(redisImage, 'the catalog Redis image was built');
    fs.mkdirSync(path.join(dir, 'app'), { recursive: true });
    // The app image: the base plus redis-cli, built from the file's folder on the first `up`.
    fs.writeFileSync(
      path.join(dir, 'app', 'Dockerfile'),
      'FROM flotilla/base:bookworm\n' +
        'RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-tools && rm -rf /var/lib/apt/lists/*\n',
    );
    fs.writeFileSync(path.join(dir, 'app.env'), 'GREETING=hello from compose\n');
    fs.writeFileSync(
      path.join(dir, 'docker-compose.yml'),
      `services:
  db:
    image: ${redisImage}
    command: ["redis-server", "--port", "6379", "--save", "", "--appendonly", "no", "--protected-mode", "no"]
    ports: ["6379"]
    healthcheck:
      test: ["CMD-SHELL", "redis-cli ping | grep -q PONG && test ! -e /tmp/sick"]
      interval: 1s
      timeout: 2s
      retries: 3
  app:
    build: ./app
    env_file: app.env
    environment:
      DB_HOST: db
    command: >-
      sh -c 'redis-cli -h "$$DB_HOST" set started-after-healthy "$$GREETING" &&
      while redis-cli -h "$$DB_HOST" incr beats > /dev/null; do sleep 1; done'
    depends_on:
      db:
        condition: service_healthy
    restart: always
`,
    );
    await home.ok(['up', '-f', path.join(dir, 'docker-compose.yml'), '--wait', '--timeout', '300'], 360_000);
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0, 'no container may outlive the test');
    // The app image the file's `build:` made goes too (the catalog images stay, shared by the run).
    const { engine } = (await dockerEngine()) as { engine: Engine };
    await engine.json({ method: 'DELETE', path: '/images/shop-app:latest' }).catch(() => undefined);
    engine.close();
  });

  it('shows the stack like any other, with each service in a container', async () => {
    const ps = JSON.parse(await home.ok(['ps', '--json'])) as { id: string; stack: string; state: string }[];
    assert.deepEqual(ps.map((t) => [t.id, t.stack]).sort(), [
      ['app.1', 'shop'],
      ['db.1', 'shop'],
    ]);
    for (const t of await home.client().listTasks()) assert.equal(t.driver, 'docker');
  });

  it('started the app only once the database was healthy, and the app reaches it by name', async () => {
    const db = await home.client().getTask('db.1');
    const client = createClient({ url: `redis://${db.host}:${db.ports[0]}` });
    await client.connect();
    try {
      assert.equal(await client.get('started-after-healthy'), 'hello from compose');
      const first = Number(await client.get('beats'));
      await waitFor(async () => Number(await client.get('beats')) > first, 10_000, 'the app to keep writing');
    } finally {
      client.destroy();
    }
    const app = await home.client().getTask('app.1');
    assert.ok(Date.parse(app.startedAt!) >= Date.parse(db.stateSince), 'app launched after db was healthy');
  });

  it('restarts a container whose health check fails, which Compose never does', async () => {
    const before = await home.client().getTask('db.1');
    const seen: FlotillaEvent[] = [];
    const stop = new AbortController();
    const stream = home.client().events((e) => seen.push(e), stop.signal);
    // Make the check fail from inside the container, as a sick database would.
    const { engine } = (await dockerEngine()) as { engine: Engine };
    try {
      const exec = await engine.json<{ Id: string }>({
        method: 'POST',
        path: `/containers/${before.containerId}/exec`,
        body: { Cmd: ['touch', '/tmp/sick'] },
      });
      await engine.json({ method: 'POST', path: `/exec/${exec.Id}/start`, body: { Detach: true } });
    } finally {
      engine.close();
    }
    const restarted = await waitFor(
      async () => {
        const t = await home.client().getTask('db.1');
        return t.containerId !== before.containerId && t.state === 'healthy' ? t : null;
      },
      90_000,
      'the unhealthy database to be replaced by a healthy container',
    );
    assert.equal(restarted.launches, before.launches + 1);
    stop.abort();
    await stream;
    assert.ok(
      seen.some((e) => e.data.task === 'db.1' && /failed health checks/.test(String(e.data.message))),
      'the restart was for the failing health check',
    );
  });

  it('`down` removes the containers and the network', async () => {
    await home.ok(['down', '-f', path.join(dir, 'docker-compose.yml')]);
    assert.deepEqual(await home.client().listTasks(), []);
  });
});

/** Compose's one-shot services: `restart: "no"` and `service_completed_successfully`. */
describe('one-shot Compose services', { skip: 'skip' in probe ? probe.skip : undefined }, () => {
  const home = new TestHome();
  const file = path.join(home.home, 'jobs', 'compose.yaml');

  before(() => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0, 'no container may outlive the test');
  });

  it('runs a migration once, then starts what waits for it to complete', async () => {
    fs.writeFileSync(
      file,
      `services:
  migrate:
    image: flotilla/base:bookworm
    command: ["sh", "-c", "sleep 1; echo migrated"]
    restart: "no"
  web:
    image: flotilla/base:bookworm
    command: ["sleep", "600"]
    depends_on:
      migrate:
        condition: service_completed_successfully
`,
    );
    await home.ok(['up', '-f', file, '--wait', '--timeout', '120'], 180_000);
    const migrate = await home.client().getTask('migrate.1');
    const web = await home.client().getTask('web.1');
    assert.equal(migrate.state, 'finished');
    assert.equal(migrate.ended, true);
    assert.equal(migrate.launches, 1, 'a one-shot runs once');
    assert.equal(web.state, 'running');
    assert.ok(
      Date.parse(web.startedAt!) >= Date.parse(migrate.stateSince),
      'web started after migrate ended',
    );
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await home.client().getTask('migrate.1')).launches, 1, 'and is not relaunched');
  });

  it('fails `up --wait` at once when a one-shot service fails', async () => {
    const launchesBefore = (await home.client().getTask('migrate.1')).launches;
    fs.writeFileSync(
      file,
      `services:
  migrate:
    image: flotilla/base:bookworm
    command: ["sh", "-c", "echo broken >&2; exit 3"]
    restart: "no"
`,
    );
    const t0 = Date.now();
    const r = await home.cli(['up', '-f', file, '--wait', '--timeout', '120'], 180_000);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /DEPLOY_FAILING/);
    assert.ok(Date.now() - t0 < 60_000, 'without waiting for the timeout');
    const migrate = await home.client().getTask('migrate.1');
    assert.deepEqual(
      [migrate.state, migrate.exitCode, migrate.launches],
      ['failed', 3, launchesBefore + 1],
      'its new definition ran once, and failed',
    );
  });
});
