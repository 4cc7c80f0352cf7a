import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { composeFiles, readComposeRequest } from '../src/cli/compose-files.js';
import { appsOf } from '../src/core/declaration.js';
import { FlotillaError } from '../src/core/errors.js';
import { readYaml } from '../src/core/yaml-text.js';
import { composeConfigSource } from '../src/specs/compose-config.js';
import { isComposeSource } from '../src/core/compose-format.js';
import { parseCompose, type ComposeOptions } from '../src/specs/compose.js';

/**
 * The corpus of Compose files in the shapes people publish for data engineering
 * (test/fixtures/compose/*): each is read as `flotilla up` reads it in its folder (the files Compose
 * would pick, the override file too), and is accepted with exactly the warnings listed here.
 */
export const CORPUS = path.resolve(import.meta.dirname, '../../test/fixtures/compose');

const PORTS =
  'ports: a port without a host address is published on the loopback address of its task (127.0.10.N); write "0.0.0.0:HOST:CONTAINER" to publish on every interface (a daemon with FLOTILLA_PUBLISH_IP=0.0.0.0 does so for every port)';
const VERSION = 'version: the obsolete "version" is ignored, as Compose ignores it';

const EXPECTED: Record<string, { services: string[]; warnings: string[] }> = {
  '01-kafka-zookeeper-schema-registry': {
    services: ['zookeeper', 'broker', 'schema-registry'],
    warnings: [VERSION, PORTS],
  },
  '02-kraft-kafka-x3': { services: ['kafka-1', 'kafka-2', 'kafka-3'], warnings: [PORTS] },
  '03-airflow-postgres-redis': {
    // flower runs only with --profile flower.
    services: [
      'postgres',
      'redis',
      'airflow-webserver',
      'airflow-scheduler',
      'airflow-worker',
      'airflow-init',
    ],
    warnings: [PORTS],
  },
  '04-spark-master-workers': { services: ['spark-master', 'spark-worker'], warnings: [PORTS] },
  '05-cassandra': { services: ['cassandra-db', 'cassandra-node2', 'cassandra-node3'], warnings: [PORTS] },
  '06-mongodb': { services: ['mongo', 'mongo-express'], warnings: [PORTS] },
  '07-elasticsearch-kibana': { services: ['es01', 'kibana'], warnings: [PORTS] },
  '08-minio': { services: ['minio', 'createbuckets'], warnings: [] },
  '09-jupyter': {
    services: ['jupyter'],
    warnings: [
      'services.jupyter.stdin_open: containers run without stdin',
      'services.jupyter.tty: containers run without a TTY (logs are kept as lines)',
      PORTS,
    ],
  },
  '10-anchors-extensions': { services: ['cache-a', 'cache-b', 'app'], warnings: [] },
  '11-extends': { services: ['worker-1', 'worker-2', 'master'], warnings: [PORTS] },
  '12-include': { services: ['postgres', 'broker', 'app'], warnings: [PORTS] },
  '13-profiles': { services: ['zookeeper', 'kafka'], warnings: [PORTS] },
  '14-env-files': { services: ['postgres', 'pgadmin'], warnings: [PORTS] },
  '15-underscores-dots': { services: ['kafka-broker', 'schema-registry', 'connect-worker'], warnings: [] },
  '16-override': { services: ['redis', 'app'], warnings: [PORTS] },
  '17-logging': {
    services: ['nifi', 'registry'],
    warnings: [
      'services.registry.logging.driver: the log driver "syslog" is not used: Flotilla keeps the logs (flotilla task logs)',
      'services.registry.logging.options.syslog-address: only the log options max-size and max-file are used',
      'services.registry.logging.options.tag: only the log options max-size and max-file are used',
      PORTS,
    ],
  },
  '18-healthcheck-forms': {
    services: ['string-form', 'cmd-form', 'cmd-shell-form', 'none-form', 'disabled'],
    warnings: [],
  },
  '19-deploy-resources': {
    services: ['trino', 'hive-metastore'],
    warnings: [
      'services.trino.deploy.update_config: tasks are replaced one at a time',
      "services.trino.deploy.restart_policy.max_attempts: the attempts are not counted: Flotilla's backoff spaces them out",
      "services.trino.deploy.restart_policy.window: Flotilla's backoff resets after a minute of running",
      'services.hive-metastore.deploy.labels: service labels are the labels: of the service',
      'services.hive-metastore.deploy.placement: Flotilla places tasks itself',
      PORTS,
    ],
  },
  '20-version2-legacy': {
    services: ['zoo1', 'kafka1'],
    warnings: [
      VERSION,
      'services.kafka1.links: services reach each other by service name anyway; link aliases are not added',
      PORTS,
    ],
  },
  '21-flink': { services: ['jobmanager', 'taskmanager'], warnings: [PORTS] },
  '22-secrets-configs': {
    services: ['clickhouse'],
    warnings: [
      'services.clickhouse.secrets[0].mode: the file keeps its owner and mode on the host',
      'services.clickhouse.secrets[1]: the secret "from_env" has no file: only file-based secrets are mounted',
      'services.clickhouse.configs[1]: the config "banner" has no file: only file-based configs are mounted',
      PORTS,
    ],
  },
  '23-postgres-tuning': { services: ['postgres'], warnings: [] },
  '24-superset': { services: ['redis', 'db', 'superset', 'superset-init'], warnings: [PORTS] },
  '25-flotilla-redis-pair': { services: ['redis-primary', 'redis-replica'], warnings: [PORTS] },
  '26-built-from-base': { services: ['web'], warnings: [] },
};

/** A corpus folder read as `up` reads it there: its files, its name, its override, no environment. */
export function corpusRequest(
  folder: string,
  env: NodeJS.ProcessEnv = {},
  extra: Partial<ComposeOptions> = {},
  root = CORPUS,
): { source: string; opts: ComposeOptions } {
  const dir = path.join(root, folder);
  const r = readComposeRequest({ file: composeFiles([], env, dir), profile: [], envFile: [] }, env);
  const overrideData = (r.overrides ?? []).map((o) =>
    readYaml(o, { what: 'override', code: 'STACK_INVALID' }),
  );
  return {
    source: r.source,
    opts: { name: r.name, directory: r.directory, variables: r.variables, overrideData, ...extra },
  };
}

describe('the Compose corpus', () => {
  const folders = fs.readdirSync(CORPUS).filter((f) => fs.statSync(path.join(CORPUS, f)).isDirectory());

  it('has at least 25 files, each with its expectations here', () => {
    assert.ok(folders.length >= 25, `${folders.length} files`);
    assert.deepEqual(folders.sort(), Object.keys(EXPECTED).sort());
  });

  for (const folder of Object.keys(EXPECTED)) {
    it(`accepts ${folder} with the expected warnings`, () => {
      const { source, opts } = corpusRequest(folder);
      assert.equal(isComposeSource(source), true, 'read as a Compose file, not a Flotilla stack');
      const spec = parseCompose(source, opts);
      assert.deepEqual(
        appsOf(spec).map((a) => a.id),
        EXPECTED[folder]!.services,
      );
      assert.deepEqual(spec.warnings ?? [], EXPECTED[folder]!.warnings);
    });
  }

  it('prints the normalised model as recorded (docker compose config’s shape)', () => {
    const recorded = folders.filter((f) => fs.existsSync(path.join(CORPUS, f, 'expected-config.yaml')));
    assert.deepEqual(recorded, folders, 'every corpus folder has its recording');
    for (const folder of recorded) {
      const { source, opts } = corpusRequest(folder);
      const expected = fs
        .readFileSync(path.join(CORPUS, folder, 'expected-config.yaml'), 'utf8')
        .replaceAll('${DIR}', path.join(CORPUS, folder));
      assert.equal(composeConfigSource(source, opts).yaml, expected, folder);
    }
  });

  it('prints long forms, defaults and left-out zeros as recorded (test/fixtures/compose-config)', () => {
    const root = path.resolve(CORPUS, '../compose-config');
    const cases = fs.readdirSync(root);
    assert.ok(cases.length >= 2);
    for (const folder of cases) {
      const { source, opts } = corpusRequest(folder, {}, {}, root);
      const expected = fs
        .readFileSync(path.join(root, folder, 'expected-config.yaml'), 'utf8')
        .replaceAll('${DIR}', path.join(root, folder));
      assert.equal(composeConfigSource(source, opts).yaml, expected, folder);
    }
  });

  it('honours what the files ask of the engine', () => {
    const apps = (folder: string, extra: Partial<ComposeOptions> = {}) => {
      const { source, opts } = corpusRequest(folder, {}, extra);
      return new Map(appsOf(parseCompose(source, opts)).map((a) => [a.id, a]));
    };
    const pg = apps('23-postgres-tuning').get('postgres')!;
    assert.deepEqual(pg.container!.engine, {
      extraHosts: ['host.docker.internal:host-gateway', 'warehouse:10.0.0.5'],
      dns: ['1.1.1.1'],
      dnsSearch: ['corp.example'],
      stopSignal: 'SIGINT',
      tmpfs: { '/tmp': '', '/run': 'size=64m' },
      shmSize: 256 * 1024 * 1024,
      capDrop: ['NET_ADMIN'],
      sysctls: { 'net.core.somaxconn': '1024' },
      securityOpt: ['no-new-privileges:true'],
    });
    assert.equal(pg.taskKillGracePeriodSeconds, 60);
    assert.deepEqual(pg.labels, { 'com.example.team': 'data', 'com.example.cost-center': '42' });
    const nifi = apps('17-logging').get('nifi')!;
    assert.deepEqual(nifi.container!.engine, { logMaxSize: '50m', logMaxFile: '5' });
    const cassandra = apps('05-cassandra').get('cassandra-db')!;
    assert.deepEqual(cassandra.container!.aliases, ['cassandra_db']);
    assert.equal(cassandra.labels['com.docker.compose.service'], 'cassandra_db');
    assert.deepEqual(
      cassandra.container!.engine!.ulimits!.map((u) => u.name),
      ['memlock', 'nproc', 'nofile'],
    );
    const dots = apps('15-underscores-dots');
    assert.deepEqual(dots.get('connect-worker')!.dependencies, ['kafka-broker', 'schema-registry']);
    assert.deepEqual(dots.get('schema-registry')!.container!.aliases, ['schema.registry', 'registry']);
    const override = apps('16-override');
    assert.deepEqual(override.get('redis')!.args, ['redis-server', '--appendonly', 'no']);
    assert.deepEqual(override.get('app')!.env, { REDIS_HOST: 'redis', LOG_LEVEL: 'debug' });
    const extended = apps('11-extends').get('worker-2')!;
    assert.deepEqual(extended.env, {
      SPARK_USER: 'spark',
      SPARK_MODE: 'worker',
      SPARK_MASTER_URL: 'spark://master:7077',
      SPARK_WORKER_WEBUI_PORT: '8082',
    });
    assert.equal(extended.container!.mounts[0]!.source, path.join(CORPUS, '11-extends', 'jobs'));
    const ch = apps('22-secrets-configs').get('clickhouse')!;
    assert.deepEqual(
      ch.container!.mounts.map((m) => [m.source, m.target, m.readOnly]),
      [
        [path.join(CORPUS, '22-secrets-configs', 'ch_password.txt'), '/run/secrets/ch_password', true],
        [
          path.join(CORPUS, '22-secrets-configs', 'users.xml'),
          '/etc/clickhouse-server/users.d/users.xml',
          true,
        ],
      ],
    );
    const minio = apps('08-minio').get('minio')!;
    assert.deepEqual(
      minio.container!.publish.map((p) => p.hostIp),
      ['0.0.0.0', '0.0.0.0'],
    );
    assert.equal(apps('09-jupyter').get('jupyter')!.container!.publish.length, 4);
    assert.equal(apps('03-airflow-postgres-redis', { profiles: ['flower'] }).has('flower'), true);
    assert.equal(apps('04-spark-master-workers').get('spark-worker')!.instances, 2);
  });

  it('keeps the isolation-breaking keys refused for a tenant that is not a cluster admin', () => {
    const refused = (folder: string) => {
      const { source, opts } = corpusRequest(folder, {}, { allowedRoot: path.join(CORPUS, folder) });
      try {
        parseCompose(source, opts);
      } catch (err) {
        assert.ok(err instanceof FlotillaError);
        return `${err.code}: ${err.message}`;
      }
      return 'accepted';
    };
    assert.match(refused('22-secrets-configs'), /^SECURITY_REFUSED: services\.clickhouse\.cap_add/);
    assert.match(refused('20-version2-legacy'), /^PERMISSION_DENIED: .*\/var\/run\/docker\.sock/);
    assert.equal(refused('16-override'), 'accepted');
  });

  it('picks files as Compose does: COMPOSE_FILE, else compose.yaml with its override', () => {
    const dir = path.join(CORPUS, '16-override');
    assert.deepEqual(composeFiles([], {}, dir), [
      path.join(dir, 'docker-compose.yml'),
      path.join(dir, 'docker-compose.override.yml'),
    ]);
    assert.deepEqual(composeFiles(['a.yml'], { COMPOSE_FILE: 'b.yml' }, dir), ['a.yml']);
    assert.deepEqual(composeFiles([], { COMPOSE_FILE: 'b.yml:c.yml' }, dir), ['b.yml', 'c.yml']);
    const r = readComposeRequest(
      { file: [path.join(dir, 'docker-compose.yml')], profile: [], envFile: [] },
      { COMPOSE_PROJECT_NAME: 'My_Project', COMPOSE_PROFILES: 'a, b' },
    );
    assert.deepEqual([r.name, r.profiles, r.overrides], ['my-project', ['a', 'b'], undefined]);
  });
});
