import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFlotillaError } from '../../core/errors.js';
import type { ContainerConfig, TaskConfig } from '../driver.js';
import type { SpecOptions } from './spec.js';
import { containerConfig } from './scope.js';
import { containerBody } from './spec.js';

const OPTIONS: SpecOptions = {
  daemonId: 'd1',
  defaultImage: 'base:1',
  cpuLimit: 'weight',
  user: '1000:1000',
};

function task(fields: Partial<TaskConfig> = {}): TaskConfig {
  return {
    taskKey: 'acme/web.0',
    launchId: 'L1',
    sandbox: '/srv/sb/web-0',
    env: { A: '1' },
    cpus: 0.5,
    mem: 256,
    ...fields,
  };
}

function container(fields: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    image: 'app:2',
    aliases: ['web', 'web-0'],
    publish: [],
    mounts: [],
    hostIp: '127.0.10.3',
    network: { name: 'flt-d1-acme-shop', labels: {} },
    labels: { 'io.flotilla.tenant': 'acme' },
    dataVolume: '',
    volumePrefix: 'flt-d1-acme-shop-',
    ...fields,
  };
}

describe('docker container spec', () => {
  it('runs cmd through sh -c in the default image, on the default bridge', () => {
    const body = containerBody(task({ cmd: 'echo hi', dataDir: '/srv/data/acme' }), OPTIONS);
    assert.equal(body.Image, 'base:1');
    assert.deepEqual([body.Entrypoint, body.Cmd], [['/bin/sh', '-c'], ['echo hi']]);
    assert.equal(body.HostConfig.NetworkMode, 'bridge');
    assert.equal(body.NetworkingConfig, undefined);
    assert.equal(body.User, '1000:1000');
    assert.equal(body.WorkingDir, '/srv/sb/web-0');
    assert.deepEqual(body.Env, [
      'A=1',
      'FLOTILLA_LAUNCH_ID=L1',
      'FLOTILLA_TASK=acme/web.0',
      'FLOTILLA_SANDBOX=/srv/sb/web-0',
      'MESOS_SANDBOX=/srv/sb/web-0',
      'FLOTILLA_DATA=/srv/data/acme',
    ]);
    assert.deepEqual(body.HostConfig.Mounts, [
      { Type: 'bind', Source: '/srv/sb/web-0', Target: '/srv/sb/web-0', ReadOnly: false },
      { Type: 'bind', Source: '/srv/data/acme', Target: '/srv/data/acme', ReadOnly: false },
    ]);
    assert.equal(body.HostConfig.Init, true);
    assert.deepEqual(body.HostConfig.RestartPolicy, { Name: 'no' });
    assert.deepEqual([body.HostConfig.Memory, body.HostConfig.MemorySwap], [268435456, 268435456]);
    assert.deepEqual([body.HostConfig.CpuShares, body.HostConfig.NanoCpus], [512, undefined]);
  });

  it('keeps the driver labels over the caller labels', () => {
    const body = containerBody(
      task({ cmd: 'true', container: container({ labels: { 'io.flotilla.task': 'forged', x: 'y' } }) }),
      OPTIONS,
    );
    assert.deepEqual(body.Labels, {
      x: 'y',
      'io.flotilla.task': 'acme/web.0',
      'io.flotilla.daemon': 'd1',
      'io.flotilla.launch-id': 'L1',
      'io.flotilla.sandbox': '/srv/sb/web-0',
    });
  });

  it("puts the app's labels on its container, never one that would pass for Flotilla's", () => {
    const t = { tenant: 'acme', stack: 'shop', owner: 'web', name: '0', host: '127.0.1.2' };
    const spec = { image: 'i', aliases: [], publish: [], mounts: [] };
    const labels = { 'com.example.team': 'data', 'io.flotilla.tenant': 'someone-else' };
    assert.deepEqual(containerConfig('d1', t, { ...spec, labels }).labels, {
      'com.example.team': 'data',
      'io.flotilla.tenant': 'acme',
      'io.flotilla.owner': 'web',
      'io.flotilla.stack': 'shop',
    });
    assert.deepEqual(Object.keys(containerConfig('d1', t, spec).labels), [
      'io.flotilla.tenant',
      'io.flotilla.owner',
      'io.flotilla.stack',
    ]);
  });

  it('passes args as Cmd, under the given entrypoint or the image one', () => {
    const own = containerBody(task({ args: ['x', '-y'], container: container() }), OPTIONS);
    assert.deepEqual([own.Entrypoint, own.Cmd], [undefined, ['x', '-y']]);
    const given = containerBody(task({ args: ['x'], container: container({ entrypoint: ['/e'] }) }), OPTIONS);
    assert.deepEqual([given.Entrypoint, given.Cmd], [['/e'], ['x']]);
    const image = containerBody(task({ args: [], container: container({ imageCommand: true }) }), OPTIONS);
    assert.deepEqual([image.Entrypoint, image.Cmd], [undefined, undefined]);
  });

  it('refuses anything but exactly one of cmd and args (empty args only for the image command)', () => {
    const invalid = (fields: Partial<TaskConfig>) =>
      assert.throws(
        () => containerBody(task(fields), OPTIONS),
        (err) => isFlotillaError(err) && err.code === 'VALIDATION_FAILED',
      );
    invalid({});
    invalid({ cmd: 'a', args: ['b'] });
    invalid({ args: [] });
    invalid({ args: [], container: container() });
  });

  it("sets the user: given, the image's, or the daemon's", () => {
    const given = containerBody(task({ cmd: 'true', container: container({ user: 'redis' }) }), OPTIONS);
    assert.equal(given.User, 'redis');
    const image = containerBody(task({ cmd: 'true', container: container({ imageUser: true }) }), OPTIONS);
    assert.equal(image.User, undefined);
    const workdir = containerBody(task({ cmd: 'true', container: container({ workdir: '/app' }) }), OPTIONS);
    assert.equal(workdir.WorkingDir, '/app');
  });

  it("runs a tenant's container as the tenant's user with no capability, unless the engine remaps users", () => {
    const user = { name: 'flt-a-00000', uid: 200_001, gid: 200_001 };
    for (const c of [container({ user: '0' }), container({ imageUser: true }), undefined]) {
      const body = containerBody(task({ cmd: 'true', user, ...(c ? { container: c } : {}) }), OPTIONS);
      assert.equal(body.User, '200001:200001');
      assert.deepEqual(body.HostConfig.CapDrop, ['ALL']);
    }
    const remapped = containerBody(task({ cmd: 'true', user, container: container({ imageUser: true }) }), {
      ...OPTIONS,
      remapped: true,
    });
    assert.equal(remapped.User, undefined);
    assert.deepEqual(remapped.HostConfig.CapDrop, ['NET_RAW', 'MKNOD', 'AUDIT_WRITE']);
  });

  it('joins the stack network under its aliases, and publishes on the task address', () => {
    const body = containerBody(
      task({
        cmd: 'true',
        container: container({
          publish: [
            { containerPort: 80, hostPort: 8080, protocol: 'tcp' },
            { containerPort: 80, hostPort: 8081, protocol: 'tcp', hostIp: '127.0.0.1' },
            { containerPort: 53, hostPort: 5353, protocol: 'udp' },
          ],
        }),
      }),
      OPTIONS,
    );
    assert.equal(body.Hostname, 'web');
    assert.equal(body.HostConfig.NetworkMode, 'flt-d1-acme-shop');
    assert.deepEqual(body.NetworkingConfig, {
      EndpointsConfig: { 'flt-d1-acme-shop': { Aliases: ['web', 'web-0'] } },
    });
    assert.deepEqual(body.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
    assert.deepEqual(body.HostConfig.PortBindings, {
      '80/tcp': [
        { HostIp: '127.0.10.3', HostPort: '8080' },
        { HostIp: '127.0.0.1', HostPort: '8081' },
      ],
      '53/udp': [{ HostIp: '127.0.10.3', HostPort: '5353' }],
    });
  });

  it("runs a HOST-network container on the machine's network: no network, alias, hostname or binding of its own", () => {
    const body = containerBody(task({ cmd: 'true', container: container({ hostNetwork: true }) }), OPTIONS);
    assert.equal(body.HostConfig.NetworkMode, 'host');
    assert.equal(body.NetworkingConfig, undefined);
    assert.equal(body.Hostname, undefined);
    assert.equal(body.HostConfig.PortBindings, undefined);
  });

  it('mounts the data volume over data/, and stack volumes under their prefix', () => {
    const body = containerBody(
      task({
        cmd: 'true',
        container: container({
          dataVolume: 'flt-d1-acme-web-0-data',
          mounts: [
            { type: 'volume', source: 'cache', target: '/cache', readOnly: false },
            { type: 'bind', source: '/etc/app', target: '/conf', readOnly: true },
          ],
        }),
      }),
      OPTIONS,
    );
    assert.deepEqual(body.HostConfig.Mounts.slice(1), [
      { Type: 'volume', Source: 'flt-d1-acme-web-0-data', Target: '/srv/sb/web-0/data', ReadOnly: false },
      { Type: 'volume', Source: 'flt-d1-acme-shop-cache', Target: '/cache', ReadOnly: false },
      { Type: 'bind', Source: '/etc/app', Target: '/conf', ReadOnly: true },
    ]);
  });

  it('limits cpus as a weight or a strict quota, and sets no limit for zero', () => {
    const strict = containerBody(task({ cmd: 'true', cpus: 1.5 }), { ...OPTIONS, cpuLimit: 'strict' });
    assert.deepEqual([strict.HostConfig.CpuShares, strict.HostConfig.NanoCpus], [undefined, 1_500_000_000]);
    const tiny = containerBody(task({ cmd: 'true', cpus: 0.001 }), OPTIONS);
    assert.equal(tiny.HostConfig.CpuShares, 2);
    const none = containerBody(task({ cmd: 'true', cpus: 0, mem: 0 }), OPTIONS);
    assert.deepEqual(
      [none.HostConfig.CpuShares, none.HostConfig.NanoCpus, none.HostConfig.Memory],
      [undefined, undefined, undefined],
    );
  });

  it('passes the Compose engine settings through, and only when the file gave them', () => {
    const plain = containerBody(task({ args: ['x'], container: container() }), OPTIONS);
    assert.equal(plain.HostConfig.Init, true);
    assert.deepEqual(plain.HostConfig.LogConfig.Config, { 'max-size': '20m', 'max-file': '5' });
    for (const k of ['ExtraHosts', 'Dns', 'Ulimits', 'Tmpfs', 'ShmSize', 'CapAdd', 'Sysctls', 'Privileged'])
      assert.equal(k in plain.HostConfig, false, k);
    assert.equal(plain.StopSignal, undefined);
    const body = containerBody(
      task({
        args: ['x'],
        container: container({
          mounts: [{ type: 'tmpfs', source: '', target: '/cache', readOnly: false, tmpfsOptions: 'size=8m' }],
          engine: {
            extraHosts: ['warehouse:10.0.0.5'],
            dns: ['1.1.1.1'],
            dnsSearch: ['corp'],
            ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
            stopSignal: 'SIGINT',
            tmpfs: { '/run': 'size=64m' },
            shmSize: 1024,
            capAdd: ['NET_RAW'],
            capDrop: ['CHOWN'],
            sysctls: { 'net.core.somaxconn': '1024' },
            readOnly: true,
            pidsLimit: 100,
            init: false,
            logMaxSize: '1m',
            logMaxFile: '2',
          },
        }),
      }),
      OPTIONS,
    );
    const h = body.HostConfig;
    assert.equal(body.StopSignal, 'SIGINT');
    assert.equal(h.Init, false);
    assert.deepEqual(h.LogConfig.Config, { 'max-size': '1m', 'max-file': '2' });
    assert.deepEqual(h.ExtraHosts, ['warehouse:10.0.0.5']);
    assert.deepEqual([h.Dns, h.DnsSearch], [['1.1.1.1'], ['corp']]);
    assert.deepEqual(h.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
    assert.deepEqual(h.Tmpfs, { '/run': 'size=64m', '/cache': 'size=8m' });
    assert.equal(h.ShmSize, 1024);
    // A capability the file adds back leaves Flotilla's drop list; one it drops joins it.
    assert.deepEqual(h.CapAdd, ['NET_RAW']);
    assert.deepEqual(h.CapDrop, ['MKNOD', 'AUDIT_WRITE', 'CHOWN']);
    assert.deepEqual(h.Sysctls, { 'net.core.somaxconn': '1024' });
    assert.deepEqual([h.ReadonlyRootfs, h.PidsLimit], [true, 100]);
    assert.equal(
      h.Mounts.some((m) => m.Target === '/cache'),
      false,
    );
  });
});
