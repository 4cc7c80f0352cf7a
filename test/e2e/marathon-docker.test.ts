import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { FlotillaClient } from '../../src/client/client.js';
import { daemonIdOf } from '../../src/daemon/config.js';
import { Engine } from '../../src/drivers/docker/engine.js';
import { dockerEngine, removeDockerLeftovers } from '../helpers/docker.js';
import { startInProcessDaemon, type InProcessDaemon } from '../helpers/daemon.js';
import { adminToken, waitFor } from '../helpers/flotilla.js';
import { firstLine } from '../helpers/net-probe.js';

const probe = await dockerEngine();
if ('skip' in probe) console.error(probe.skip);
else probe.engine.close();

/**
 * DC/OS's classic `cd-demo-app` definition, as a tenant posts it to the apps API: a Docker image on a
 * bridge network with one port mapping whose host port is assigned. Its image here is the catalog's
 * Redis (nothing is pulled from Docker Hub), so a real client can talk to what it serves.
 */
describe(
  'a Marathon Docker app (cd-demo-app) on the Docker driver',
  { skip: 'skip' in probe ? probe.skip : undefined },
  () => {
    let d: InProcessDaemon;
    let tenant: FlotillaClient;

    before(async () => {
      d = await startInProcessDaemon('marathon-docker', 51000);
      await d.admin.createTenant({ name: 'demo' });
      const t = await new FlotillaClient(d.daemon.info.address, {
        token: adminToken(d.home),
        tenant: 'demo',
      }).createToken('tenant-admin', 'marathon docker test');
      tenant = new FlotillaClient(d.daemon.info.address, { token: t.token });
    });
    after(async () => {
      await d.stop();
      assert.equal(await removeDockerLeftovers(daemonIdOf(d.home)), 0, 'no container left behind');
    });

    /** Each instance's host address answers PING through the port the daemon assigned it. */
    async function pingAll(expected: number): Promise<string[]> {
      const tasks = await waitFor(
        async () => {
          const list = (await tenant.listTasks()).filter((t) => t.owner === 'cd-demo-app');
          return list.length === expected && list.every((t) => t.state === 'healthy') ? list : null;
        },
        120_000,
        `${expected} healthy instance(s)`,
      );
      for (const t of tasks) {
        const client = createClient({
          socket: { host: t.host, port: t.ports[0]!, reconnectStrategy: false },
        });
        await client.connect();
        assert.equal(await client.ping(), 'PONG');
        await client.quit();
      }
      return tasks.map((t) => t.containerId ?? '');
    }

    it('runs, answers on its assigned host port, scales to 3 and heals a killed instance', async () => {
      const image = (await d.admin.listImages()).find((i) => i.name.startsWith('flotilla/redis:'))?.name;
      assert.ok(image, 'the catalog Redis image is on the engine (scripts/test-images.sh)');
      const result = await tenant.addApp({
        id: '/cd-demo-app',
        instances: 1,
        cpus: 0.1,
        mem: 64,
        args: [
          'redis-server',
          '--port',
          '6379',
          '--save',
          '',
          '--appendonly',
          'no',
          '--protected-mode',
          'no',
        ],
        container: {
          type: 'DOCKER',
          docker: {
            image,
            network: 'BRIDGE',
            portMappings: [{ containerPort: 6379, hostPort: 0, servicePort: 10000, protocol: 'tcp' }],
          },
        },
        healthChecks: [{ protocol: 'TCP', portIndex: 0, gracePeriodSeconds: 10, intervalSeconds: 1 }],
        labels: { HAPROXY_GROUP: 'external' },
      });
      assert.deepEqual(result.created, ['cd-demo-app']);
      const [first] = await pingAll(1);
      assert.ok(first, 'it runs in a container');

      await tenant.scaleApp('cd-demo-app', 3);
      const three = await pingAll(3);
      assert.equal(new Set(three).size, 3, 'three containers');

      const victim = (await tenant.listTasks()).find((t) => t.id === 'cd-demo-app.1')!;
      await tenant.killTask(victim.id);
      await waitFor(
        async () => {
          const t = await tenant.getTask(victim.id);
          return t.containerId !== victim.containerId && t.state === 'healthy' ? t : null;
        },
        120_000,
        'the killed instance healed in a new container',
      );
      await pingAll(3);
    });

    it("runs a cluster admin's HOST-network app on the machine's network, binding $HOST:$PORT0 itself; a tenant's is refused", async () => {
      const serve =
        "exec perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalAddr => $ENV{HOST}, " +
        'LocalPort => $ENV{PORT0}, Listen => 5, ReuseAddr => 1) or die $!; ' +
        'while (my $c = $s->accept) { print $c "on the host network\\n"; close $c }\'';
      const app = {
        id: '/host-app',
        instances: 1,
        cpus: 0.1,
        mem: 32,
        cmd: serve,
        portDefinitions: [{ port: 0, protocol: 'tcp' }],
        container: { type: 'DOCKER', docker: { image: 'flotilla/base:bookworm', network: 'HOST' } },
        healthChecks: [{ protocol: 'TCP', portIndex: 0, gracePeriodSeconds: 10, intervalSeconds: 1 }],
      };
      await assert.rejects(tenant.addApp({ ...app, id: '/tenant-host-app' }), { code: 'SECURITY_REFUSED' });
      await d.admin.addApp(app);
      const task = await waitFor(
        async () => {
          const t = await d.admin.getTask('host-app.0');
          return t.state === 'healthy' ? t : null;
        },
        60_000,
        'host-app.0 healthy',
      );
      const engine = new Engine();
      const info = await engine
        .json<{ HostConfig: { NetworkMode: string } }>({ path: `/containers/${task.containerId}/json` })
        .finally(() => engine.close());
      assert.equal(info.HostConfig.NetworkMode, 'host');
      // It listens on its own task address and assigned port, as a process task does.
      assert.equal(await firstLine(task.host, task.ports[0]!), 'on the host network');
      await d.admin.removeApp('host-app', true);
    });

    it("reaches its tenant's process service by the address it was given; another tenant's container does not", async () => {
      const image = (await d.admin.listImages()).find((i) => i.name.startsWith('flotilla/redis:'))?.name;
      assert.ok(image, 'the catalog Redis image is on the engine (scripts/test-images.sh)');
      await tenant.applyStack(
        'store',
        'services:\n  cache: { package: redis, options: { replicas: 0, password: reach-pw } }\n',
      );
      await waitFor(
        async () => (await tenant.getStack('store')).status === 'ready',
        60_000,
        'the process Redis',
      );
      const redis = (await tenant.listTasks()).find((t) => t.owner === 'cache')!;
      assert.equal(redis.containerId, undefined, 'Redis runs as a host process');
      const pinger = (id: string, url: string) => ({
        id,
        instances: 1,
        cpus: 0.1,
        mem: 32,
        env: { REDIS_URL: url },
        cmd: 'while true; do redis-cli -u "$REDIS_URL" ping 2>&1; sleep 0.5; done',
        container: { type: 'DOCKER', docker: { image, network: 'BRIDGE' } },
      });
      await tenant.addApp(pinger('/pinger', '${cache.url}'));
      const logs = await waitFor(
        async () => {
          const text = await tenant.logs('pinger.0').catch(() => '');
          return text.includes('PONG') ? text : null;
        },
        60_000,
        'PONG from the process Redis, in the container',
      );
      assert.ok(logs.includes('PONG'));
      // The admin's own tenant has no route to it: the same address is its container's own loopback.
      await d.admin.addApp(pinger('/outsider', `redis://:reach-pw@${redis.host}:${redis.ports[0]}`));
      const outside = await waitFor(
        async () => {
          const text = await d.admin.logs('outsider.0').catch(() => '');
          return text.split('\n').filter((l) => l.trim()).length >= 4 ? text : null;
        },
        60_000,
        "a few of the outsider's tries",
      );
      assert.doesNotMatch(outside, /PONG/);
      assert.match(outside, /refused|Could not connect/i);
      await d.admin.removeApp('outsider', true);
      await tenant.removeApp('pinger', true);
      await tenant.downStack('store', true);
    });
  },
);
