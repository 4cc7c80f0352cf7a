import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlotillaError } from '../core/errors.js';
import { parseApp } from './app.js';
import { interpolate, referencesIn } from './interpolate.js';
import { appsOf, declaredName, deployOrder } from '../core/declaration.js';
import { parseStack } from './stack.js';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FlotillaError, String(err));
    return `${err.code}: ${err.message}`;
  }
  assert.fail('expected an error');
};

describe('Marathon app definitions', () => {
  it('applies Marathon defaults', () => {
    const app = parseApp({ id: '/web', cmd: 'python3 -m http.server $PORT0', ports: [0] });
    assert.equal(app.id, 'web');
    assert.equal(app.instances, 1);
    assert.deepEqual([app.backoffSeconds, app.backoffFactor, app.maxLaunchDelaySeconds], [1, 1.15, 300]);
  });

  it('accepts a file exported from Marathon: status fields and neutral defaults', () => {
    const app = parseApp({
      id: '/web',
      cmd: 'run',
      constraints: [],
      uris: [],
      fetch: [],
      container: null,
      gpus: 0,
      user: null,
      upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
      killSelection: 'YOUNGEST_FIRST',
      networks: [{ mode: 'host' }],
      version: '2017-01-01T00:00:00Z',
      tasksRunning: 1,
      deployments: [],
      portDefinitions: [{ port: 10000, protocol: 'tcp', name: 'http' }],
      healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health', portIndex: 0 }],
    });
    assert.deepEqual(app.ports, [10000]);
    assert.equal(app.healthChecks[0]!.protocol, 'HTTP');
    assert.equal(app.healthChecks[0]!.gracePeriodSeconds, 300);
  });

  it('rejects unsupported fields that ask for something, naming them', () => {
    assert.match(
      code(() => parseApp({ id: 'a', cmd: 'x', uris: ['http://example.com/app.tgz'] })),
      /APP_FIELD_UNSUPPORTED: .*"uris"/,
    );
    assert.match(
      code(() => parseApp({ id: 'a', cmd: 'x', container: { type: 'DOCKER' } })),
      /"container"/,
    );
    assert.match(
      code(() => parseApp({ id: '/grp/a', cmd: 'x' })),
      /app groups/,
    );
  });

  it('names the exact field that is wrong', () => {
    assert.match(
      code(() => parseApp({ id: 'a', cmd: 'x', args: ['y'] })),
      /APP_INVALID: app\.cmd: give exactly one/,
    );
    assert.match(
      code(() => parseApp({ id: 'a', cmd: 'x', instances: -1 })),
      /app\.instances: must be between/,
    );
    assert.match(
      code(() => parseApp({ id: 'a', cmd: 'x', healthChecks: [{ protocol: 'TCP', portIndex: 1 }] })),
      /portIndex/,
    );
    assert.match(
      code(() => parseApp({ id: 'Bad_Name', cmd: 'x' })),
      /not a valid name/,
    );
  });
});

describe('stack files', () => {
  const stack = `
name: demo
services:
  cache: { package: redis, options: { replicas: 1 } }
apps:
  web:
    cmd: run --redis \${cache.url} --literal $\${not.ref} --shell \${HOME}
    env: { URL: "\${cache.url}" }
`;

  it('parses services and apps, and a reference makes a dependency', () => {
    const spec = parseStack(stack);
    assert.equal(spec.name, 'demo');
    assert.deepEqual(appsOf(spec)[0]!.dependencies, ['cache']);
    assert.deepEqual(deployOrder(spec.declarations).map(declaredName), ['cache', 'web']);
  });

  it('resolves references, keeps escapes and shell variables', () => {
    const spec = parseStack(stack);
    assert.deepEqual(referencesIn(appsOf(spec)[0]!.cmd), [{ owner: 'cache', field: 'url' }]);
    const out = interpolate(appsOf(spec)[0]!.cmd, new Map([['cache', { url: 'redis://x' }]]), 'w');
    assert.equal(out, 'run --redis redis://x --literal ${not.ref} --shell ${HOME}');
    assert.match(
      code(() => interpolate('${cache.nope}', new Map([['cache', { url: 'u' }]]), 'w')),
      /STACK_REFERENCE_UNKNOWN: .*has url/,
    );
  });

  it('finds cycles, unknown dependencies, unknown keys and YAML errors', () => {
    assert.match(
      code(() =>
        parseStack(
          'name: c\napps:\n  a: { cmd: x, dependencies: [b] }\n  b: { cmd: y, dependencies: [a] }\n',
        ),
      ),
      /DEPENDENCY_CYCLE: .*a -> b -> a/,
    );
    assert.match(
      code(() => parseStack('name: c\napps:\n  a: { cmd: x, dependencies: [zz] }\n')),
      /STACK_INVALID: .*"zz"/,
    );
    assert.match(
      code(() => parseStack('name: c\nservise: {}\n')),
      /stack\.servise: unknown key/,
    );
    assert.match(
      code(() => parseStack('name: c\napps: [\n')),
      /not valid YAML/,
    );
    assert.match(
      code(() => parseStack('services: {}\n')),
      /stack\.name: is required/,
    );
    assert.equal(parseStack('services: {}\n', 'from-file').name, 'from-file');
  });
});
