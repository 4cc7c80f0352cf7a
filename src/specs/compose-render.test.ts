import { appsOf } from '../core/declaration.js';
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { AppSpec } from '../core/app.js';
import { renderApp } from '../deploy/render-app.js';
import { isComposeSource } from '../core/compose-format.js';
import { parseCompose } from './compose.js';
import { dir } from './compose-testing.js';

describe('a realistic file, rendered into launch specs', () => {
  const source = `
name: shop
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: \${DB_PASSWORD:-secret}
      POSTGRES_DB: shop
    volumes:
      - pgdata:/var/lib/postgresql/data
    ports:
      - "127.0.0.1:5432:5432"
    healthcheck:
      test: ["CMD", "pg_isready", "-U", "postgres", "-d", "shop"]
      interval: 5s
      timeout: 3s
      retries: 10
      start_period: 10s
    restart: unless-stopped
  migrate:
    build:
      context: ./app
    command: ["npm", "run", "migrate"]
    environment:
      DATABASE_URL: postgres://postgres:\${DB_PASSWORD:-secret}@db:5432/shop
    depends_on:
      db:
        condition: service_healthy
  app:
    build: ./app
    image: shop/app:dev
    command: npm start
    labels:
      com.example.team: data
      io.flotilla.tenant: someone-else
    environment:
      DATABASE_URL: postgres://postgres:\${DB_PASSWORD:-secret}@db:5432/shop
      PORT: "3000"
    ports:
      - "3000"
    depends_on:
      db:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
    deploy:
      replicas: 2
      resources:
        limits: { cpus: "1", memory: 256m }
    restart: on-failure
volumes:
  pgdata: {}
`;

  it('maps the whole file', () => {
    assert.equal(isComposeSource(source), true);
    const spec = parseCompose(source, { directory: dir, variables: { DB_PASSWORD: 'hunter2' } });
    assert.equal(spec.name, 'shop');
    assert.deepEqual(
      appsOf(spec).map((a) => a.id),
      ['db', 'migrate', 'app'],
    );
    const [db, migrate, app] = appsOf(spec) as [AppSpec, AppSpec, AppSpec];
    assert.deepEqual(db.env, { POSTGRES_PASSWORD: 'hunter2', POSTGRES_DB: 'shop' });
    assert.equal(db.restart, 'always');
    assert.equal(db.healthChecks[0]!.command, "'pg_isready' '-U' 'postgres' '-d' 'shop'");
    assert.equal(db.healthChecks[0]!.gracePeriodSeconds, 60);
    assert.deepEqual(migrate.container!.build, { context: path.join(dir, 'app') });
    assert.equal(migrate.container!.image, 'shop-migrate:latest');
    assert.equal(migrate.restart, 'no');
    assert.deepEqual(migrate.dependsOnCondition, { db: 'ready' });
    assert.deepEqual(app.dependencies, ['db', 'migrate']);
    assert.deepEqual(app.dependsOnCondition, { db: 'ready', migrate: 'completed' });
    assert.deepEqual([app.instances, app.cpus, app.mem, app.restart], [2, 1, 256, 'on-failure']);
    assert.equal(app.container!.image, 'shop/app:dev');
    assert.deepEqual(app.args, ['npm', 'start']);
  });

  it('renders container launch specs: ports filled in, instance aliases, no host env', () => {
    const spec = parseCompose(source, { directory: dir });
    const db = appsOf(spec)[0]!;
    const app = appsOf(spec)[2]!;
    const launch = renderApp(app, { taskId: 'app.1', host: '127.0.1.2', ports: [31005], index: 1 });
    assert.equal(launch.driver, 'docker');
    assert.deepEqual(launch.args, ['npm', 'start']);
    assert.deepEqual(launch.env, {
      MARATHON_APP_ID: '/app',
      MESOS_TASK_ID: 'app.1',
      DATABASE_URL: 'postgres://postgres:secret@db:5432/shop',
      PORT: '3000',
    });
    assert.deepEqual(launch.container!.publish, [{ containerPort: 3000, hostPort: 31005, protocol: 'tcp' }]);
    // The second replica, numbered as Compose numbers its containers (from 1).
    assert.deepEqual(launch.container!.aliases, ['app', 'app-2', 'shop-app-2']);
    assert.equal(launch.restart, 'on-failure');
    assert.deepEqual(launch.dependsOnCondition, { db: 'ready', migrate: 'completed' });
    assert.deepEqual(launch.dependsOn, ['db', 'migrate']);
    const dbLaunch = renderApp(db, { taskId: 'db.0', host: '127.0.1.1', ports: [5432], index: 0 });
    // The file's labels go with the container (the Docker driver keeps Flotilla's own io.flotilla.*).
    assert.deepEqual(launch.container!.labels, {
      'com.example.team': 'data',
      'io.flotilla.tenant': 'someone-else',
    });
    assert.equal(dbLaunch.container!.labels, undefined, 'a service without labels adds none');
    assert.equal(dbLaunch.container!.imageCommand, true);
    assert.deepEqual(dbLaunch.args, []);
    assert.deepEqual(dbLaunch.container!.publish, [
      { containerPort: 5432, hostPort: 5432, protocol: 'tcp', hostIp: '127.0.0.1' },
    ]);
    assert.deepEqual(dbLaunch.container!.mounts, [
      { type: 'volume', source: 'pgdata', target: '/var/lib/postgresql/data', readOnly: false },
    ]);
  });

  it('keeps the Marathon environment of a process app', () => {
    const launch = renderApp(
      {
        id: 'web',
        cmd: 'serve',
        env: { A: '1' },
        instances: 1,
        cpus: 1,
        mem: 128,
        disk: 0,
        ports: [0],
        requirePorts: false,
        healthChecks: [],
        backoffSeconds: 1,
        backoffFactor: 1.15,
        maxLaunchDelaySeconds: 300,
        taskKillGracePeriodSeconds: 3,
        dependencies: [],
        labels: {},
        constraints: [],
      },
      { taskId: 'web.0', host: '127.0.1.1', ports: [31000], index: 0 },
    );
    assert.deepEqual(launch.env, {
      MARATHON_APP_ID: '/web',
      MESOS_TASK_ID: 'web.0',
      HOST: '127.0.1.1',
      PORTS: '31000',
      PORT0: '31000',
      PORT: '31000',
      A: '1',
    });
    assert.equal(launch.container, undefined);
    assert.equal(launch.driver, undefined);
  });
});
