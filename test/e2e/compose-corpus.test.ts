import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { Engine } from '../../src/drivers/docker/engine.js';
import { dockerEngine } from '../helpers/docker.js';
import { TestHome } from '../helpers/flotilla.js';

const probe = await dockerEngine();
if ('skip' in probe) console.error(probe.skip);
else probe.engine.close();

const CORPUS = path.resolve(import.meta.dirname, '../../../test/fixtures/compose');

interface Inspect {
  Config: { StopSignal?: string; Hostname: string };
  HostConfig: {
    Ulimits: { Name: string; Soft: number; Hard: number }[] | null;
    LogConfig: { Config: Record<string, string> };
    ExtraHosts: string[] | null;
    Tmpfs: Record<string, string> | null;
  };
}

/**
 * The corpus files whose images exist here, run under the Docker driver as they are written, on one
 * engine: a Redis pair from the catalog's image (names with `_` and `.`, anchors, a replica that
 * finds its primary by the name as written, engine keys), and a service built from
 * flotilla/base:bookworm with a .dockerignore, an env file and a file secret.
 */
describe(
  'corpus Compose files under the Docker driver',
  { skip: 'skip' in probe ? probe.skip : undefined },
  () => {
    const home = new TestHome();
    const copy = (folder: string) => {
      const dir = path.join(home.home, folder);
      fs.cpSync(path.join(CORPUS, folder), dir, { recursive: true });
      return dir;
    };
    let engine: Engine;
    let pair = '';
    let built = '';
    let upOutput = '';

    before(async () => {
      engine = ((await dockerEngine()) as { engine: Engine }).engine;
      const images = JSON.parse(await home.ok(['images', 'build', 'redis', '--json'], 600_000)) as {
        builtImages?: string[];
        presentImages?: string[];
      };
      const redis = [...(images.builtImages ?? []), ...(images.presentImages ?? [])].find((n) =>
        n.startsWith('flotilla/redis:'),
      );
      assert.ok(redis, 'the catalog Redis image is there');
      home.env.FLOTILLA_REDIS_IMAGE = redis;
      pair = copy('25-flotilla-redis-pair');
      built = copy('26-built-from-base');
      const up = await home.cli(
        ['up', '-f', path.join(pair, 'compose.yaml'), '--wait', '--timeout', '240'],
        300_000,
      );
      assert.equal(up.code, 0, up.stderr);
      upOutput = up.stderr;
      await home.ok(
        ['up', '-f', path.join(built, 'docker-compose.yml'), '--wait', '--timeout', '240'],
        300_000,
      );
    });
    after(async () => {
      assert.equal(await home.cleanup(), 0, 'no container may outlive the test');
      await engine.json({ method: 'DELETE', path: '/images/compose-corpus/web:1' }).catch(() => undefined);
      engine.close();
    });

    it('brings both files up healthy, the pair with its replicas numbered as tasks', async () => {
      const tasks = await home.client().listTasks();
      assert.deepEqual(tasks.map((t) => [t.id, t.stack, t.state]).sort(), [
        ['redis-primary.1', 'redis-pair', 'healthy'],
        ['redis-replica.1', 'redis-pair', 'healthy'],
        ['redis-replica.2', 'redis-pair', 'healthy'],
        ['web.1', '26-built-from-base', 'healthy'],
      ]);
      assert.match(
        upOutput,
        /warning: ports: a port without a host address is published on the loopback address/,
      );
    });

    it('lets the replicas reach the primary by the name the file wrote (redis_primary)', async () => {
      const primary = await home.client().getTask('redis-primary.1');
      const client = createClient({ url: `redis://${primary.host}:${primary.ports[0]}` });
      await client.connect();
      try {
        const info = await client.info('replication');
        assert.match(info, /connected_slaves:2/);
      } finally {
        client.destroy();
      }
    });

    it('hands the engine what the file asked of it', async () => {
      const inspect = async (id: string) => {
        const t = await home.client().getTask(id);
        return engine.json<Inspect>({ path: `/containers/${t.containerId}/json` });
      };
      const primary = await inspect('redis-primary.1');
      assert.equal(primary.Config.StopSignal, 'SIGINT');
      assert.deepEqual(primary.HostConfig.Ulimits, [{ Name: 'nofile', Soft: 10000, Hard: 10000 }]);
      assert.deepEqual(primary.HostConfig.LogConfig.Config, { 'max-size': '1m', 'max-file': '2' });
      const replica = await inspect('redis-replica.1');
      assert.deepEqual(replica.HostConfig.ExtraHosts, ['warehouse:10.1.2.3']);
      assert.deepEqual(Object.keys(replica.HostConfig.Tmpfs ?? {}), ['/scratch']);
    });

    it('built the image without what .dockerignore leaves out, and mounted the secret', async () => {
      // The health check itself tests that keep.txt is in /app and ignored.log is not.
      const logs = await home.ok(['logs', 'web.1']);
      assert.match(logs, /hello/);
      assert.match(logs, /tok/);
    });

    it('prints the normalised model with compose config', async () => {
      const out = await home.ok(['compose', 'config', '-f', path.join(pair, 'compose.yaml')]);
      assert.match(out, /^name: redis-pair$/m);
      assert.match(out, /^ {2}redis\.replica:$/m);
      assert.match(out, /condition: service_healthy/);
    });

    it('`down` removes both stacks', async () => {
      await home.ok(['down', '-f', path.join(pair, 'compose.yaml')]);
      await home.ok(['down', '-f', path.join(built, 'docker-compose.yml')]);
      assert.deepEqual(await home.client().listTasks(), []);
    });
  },
);

/**
 * Where a Compose file's variables come from, through the real CLI and daemon (no engine needed):
 * the folder's `.env`, replaced by `--env-file`s (later ones winning), the shell over both; a
 * required variable missing is a coded error quoting the file's message.
 */
describe('Compose variables from .env, --env-file and the shell', () => {
  const home = new TestHome();
  let dir = '';
  let file = '';
  const config = async (...flags: string[]) => home.ok(['compose', 'config', '-f', file, ...flags]);

  before(() => {
    dir = path.join(home.home, 'env-files');
    fs.cpSync(path.join(CORPUS, '14-env-files'), dir, { recursive: true });
    file = path.join(dir, 'docker-compose.yml');
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  it("reads the folder's .env, and --env-file files instead of it, the later winning", async () => {
    const dotenv = await config();
    assert.match(dotenv, /POSTGRES_DB: analytics/);
    assert.match(dotenv, /image: postgres:15/);
    const a = path.join(dir, 'a.env');
    const b = path.join(dir, 'b.env');
    fs.writeFileSync(a, 'DB_NAME=from-a\nPGADMIN_EMAIL=a@example.org\n');
    fs.writeFileSync(b, 'DB_NAME=from-b\n');
    const flagged = await config('--env-file', a, '--env-file', b);
    assert.match(flagged, /POSTGRES_DB: from-b/);
    assert.match(flagged, /PGADMIN_DEFAULT_EMAIL: a@example\.org/);
    assert.match(flagged, /image: postgres:16/, 'the .env is not read when --env-file is given');
  });

  it('refuses a required variable that nothing sets, quoting the file', async () => {
    const r = await home.cli(['compose', 'config', '-f', file, '--env-file', path.join(dir, 'none.env')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot read .*none\.env/);
    fs.rmSync(path.join(dir, '.env'));
    const missing = await home.cli(['compose', 'config', '-f', file]);
    assert.notEqual(missing.code, 0);
    assert.match(
      missing.stderr,
      /STACK_INVALID: services\.postgres\.environment\.POSTGRES_DB: .*set DB_NAME in \.env/,
    );
  });

  it('lets the shell win over every file', async () => {
    home.env.DB_NAME = 'from-shell';
    try {
      assert.match(await config('--env-file', path.join(dir, 'a.env')), /POSTGRES_DB: from-shell/);
    } finally {
      delete home.env.DB_NAME;
    }
  });
});
