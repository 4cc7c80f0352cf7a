import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { appsOf } from '../core/declaration.js';
import { unsetWarning } from './stack.js';
import { compose, dir, failure } from './compose-testing.js';
import type { ComposeOptions } from './compose.js';

/** A folder of its own under the test folder, with the given files (objects written as YAML). */
function folder(name: string, files: Record<string, string | object>): string {
  const root = path.join(dir, name);
  for (const [file, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), typeof body === 'string' ? body : stringify(body));
  }
  return root;
}

function apps(doc: object, opts: ComposeOptions) {
  const spec = compose(doc, opts);
  return { apps: new Map(appsOf(spec).map((a) => [a.id, a])), warnings: spec.warnings ?? [] };
}

const DB = {
  services: {
    db: {
      image: 'postgres:${DB_TAG}',
      labels: { tag: '${TAG}', user: '${DB_USER:-nobody}' },
      volumes: ['./init.sql:/init.sql:ro'],
      environment: ['DB_TAG'],
    },
  },
};

describe('include: each included file is interpolated with its own variables', () => {
  it("reads the include's env_file (relative to the including folder) under the including file's variables", () => {
    const root = folder('own-env', {
      '.env': 'TAG=root\n',
      'db/compose.yaml': DB,
      'db/.env': 'DB_USER=from-db-dotenv\n',
      'db.env': 'DB_TAG=16\nTAG=inc\n',
      'more.env': 'DB_TAG=17\nDB_USER=${DB_TAG}-user\n',
    });
    const doc = {
      include: [{ path: 'db/compose.yaml', env_file: ['db.env', './more.env'] }],
      services: { web: { image: 'nginx', labels: { db: '${DB_TAG:-unset}', tag: '${TAG}' } } },
    };
    const { apps: got, warnings } = apps(doc, { directory: root });
    const db = got.get('db')!;
    // A later env file over an earlier one; the root's .env over both, as compose-go merges them.
    assert.equal(db.container!.image, 'postgres:17');
    assert.equal(db.labels.tag, 'root');
    // An env file reads the including file's variables, then its own and the earlier ones'.
    assert.equal(db.labels.user, '17-user');
    // A bare KEY of a list-form environment takes the included project's value (compose-go's ResolveEnvironment).
    assert.equal(db.env.DB_TAG, '17');
    // Relative paths stay the included file's own.
    assert.equal(db.container!.mounts[0]!.source, path.join(root, 'db', 'init.sql'));
    // The include's variables are its own: the root file does not see them.
    assert.deepEqual([got.get('web')!.labels.db, got.get('web')!.labels.tag], ['unset', 'root']);
    assert.deepEqual(warnings, []);
  });

  it("defaults to the .env of the included project's directory (project_directory when given)", () => {
    const root = folder('default-env', {
      'db/compose.yaml': DB,
      'db/.env': 'DB_TAG=15\nDB_USER=db-dotenv\n',
      'elsewhere/.env': 'DB_TAG=14\n',
      'elsewhere/init.sql': '',
    });
    const short = apps({ include: ['db/compose.yaml'] }, { directory: root }).apps.get('db')!;
    assert.deepEqual([short.container!.image, short.labels.user], ['postgres:15', 'db-dotenv']);
    const moved = apps(
      { include: [{ path: 'db/compose.yaml', project_directory: 'elsewhere' }] },
      { directory: root },
    ).apps.get('db')!;
    assert.equal(moved.container!.image, 'postgres:14');
    assert.equal(moved.container!.mounts[0]!.source, path.join(root, 'elsewhere', 'init.sql'));
    // /dev/null: no env file at all, not even the .env.
    const none = apps({ include: [{ path: 'db/compose.yaml', env_file: '/dev/null' }] }, { directory: root });
    assert.equal(none.apps.get('db')!.container!.image, 'postgres:');
    assert.deepEqual(none.warnings, [unsetWarning('DB_TAG'), unsetWarning('TAG')]);
  });

  it('lets the request variables win over the env files', () => {
    const root = folder('request', { 'db/compose.yaml': DB, 'db.env': 'DB_TAG=16\n' });
    const doc = { include: [{ path: 'db/compose.yaml', env_file: 'db.env' }] };
    const db = apps(doc, { directory: root, variables: { DB_TAG: '18', TAG: 't' } }).apps.get('db')!;
    assert.deepEqual([db.container!.image, db.labels.tag], ['postgres:18', 't']);
  });

  it('interpolates an included file once: $$ stays one $, a value holding $ is not read again', () => {
    const root = folder('once', {
      'inc/compose.yaml': {
        services: {
          job: {
            image: 'busybox',
            command: ['sh', '-c', 'echo $${HOME} $$PATH ${PRICE}'],
            labels: { price: '${PRICE}', kept: '$${DB_TAG}' },
          },
        },
      },
      'inc/.env': "PRICE='5$DB_TAG'\n",
    });
    const doc = {
      include: ['inc/compose.yaml'],
      services: { web: { image: 'nginx', command: 'echo $$HOME' } },
    };
    const { apps: got } = apps(doc, { directory: root, variables: { DB_TAG: 'x', HOME: '/h' } });
    const job = got.get('job')!;
    assert.deepEqual(job.args, ['sh', '-c', 'echo ${HOME} $PATH 5$DB_TAG']);
    assert.deepEqual([job.labels.price, job.labels.kept], ['5$DB_TAG', '${DB_TAG}']);
    assert.deepEqual(got.get('web')!.args, ['echo', '$HOME']);
  });

  it('refuses a missing env_file, naming it, and a typo among the entry keys', () => {
    const root = folder('missing', { 'db/compose.yaml': DB, 'db.env': 'DB_TAG=16\n' });
    assert.match(
      failure(() =>
        compose(
          { include: [{ path: 'db/compose.yaml', env_file: ['db.env', 'gone.env'] }] },
          { directory: root },
        ),
      ),
      new RegExp(
        `^STACK_INVALID: include\\[0\\]\\.env_file\\[1\\]: cannot read the env file ${root}/gone\\.env`,
      ),
    );
    assert.match(
      failure(() =>
        compose({ include: [{ path: 'db/compose.yaml', env_files: 'db.env' }] }, { directory: root }),
      ),
      /^COMPOSE_KEY_UNKNOWN: include\[0\]\.env_files: .*did you mean "env_file"\?/,
    );
  });

  it('names the included file of an error met while loading it', () => {
    const root = folder('error', { 'db/compose.yaml': { services: { db: { image: '${DB_TAG:?set it}' } } } });
    assert.match(
      failure(() => compose({ include: ['db/compose.yaml'] }, { directory: root })),
      new RegExp(
        `^STACK_INVALID: ${root}/db/compose\\.yaml: services\\.db\\.image: the variable DB_TAG is required: set it`,
      ),
    );
  });
});
