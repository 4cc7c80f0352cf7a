import fs from 'node:fs';
import { URL } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import boundaries between the top-level folders of src/ (docs/architecture.md#boundaries): what each
// folder may import besides itself. Every folder needs its line, so a new one is a decision, not a gap.
const ANYTHING_BUT_THE_CLI = ['*', '!cli', '!client'];
const MAY_IMPORT = {
  // Domain types and coded errors; no I/O, imports nothing.
  core: [],
  // Pure: a view in, a plan out.
  scheduler: ['core'],
  // The SQLite store; callers pass `now` and IDs in.
  state: ['core'],
  metering: ['core'],
  artifacts: ['core'],
  drivers: ['core'],
  // Tenants' Unix users, their folders' ownership (the process driver's chownTree), the loopback firewall.
  isolation: ['core', 'drivers'],
  auth: ['core', 'state'],
  discovery: ['core', 'state'],
  catalog: ['core'],
  plans: ['core', 'catalog', 'state'],
  specs: ['core', 'scheduler'],
  images: ['core', 'artifacts', 'catalog', 'drivers'],
  // deploy: only for the endpoints of the service a job runs on (render-service.ts); the daemon could hand
  // them in, as it hands in ensureArtifacts.
  jobs: ['core', 'catalog', 'drivers', 'state', 'deploy'],
  // The supervisor's pre-start steps get jars and images through what the daemon hands in.
  reconciler: ['core', 'drivers', 'state'],
  // The failure lab's faults: iptables chains, the delay proxy, signals through what the daemon hands in.
  faults: ['core'],
  // Planning reads the store and the catalog and asks the scheduler; the machine comes in as a DeployHost.
  deploy: ['core', 'catalog', 'scheduler', 'specs', 'state', 'images/layout'],
  // The HTTP layer over the daemon (it still reads the daemon's types in deps.ts).
  api: ANYTHING_BUT_THE_CLI,
  daemon: ANYTHING_BUT_THE_CLI,
  // The CLI (and later the web UI) reach the daemon only through the typed client.
  cli: ['core', 'client', 'lab'],
  // Experiments run on the client side: a workload, a nemesis through the API, checkers, a report. The
  // Kafka workload runs Kafka's own Java client from the Kafka package's lock, through the artifact cache;
  // the Cassandra workload reaches every node through the package's driver options.
  lab: ['core', 'client', 'artifacts', 'catalog/jvm/lock', 'catalog/cassandra/client'],
  client: ['core'],
};

// Tests may also reach what they run against: real services probed by the reconciler's health checks,
// processes spawned by the process driver, the HTTP server, launch specs rendered by deploy.
const TESTS_MAY_ALSO_IMPORT = {
  catalog: ['drivers', 'reconciler'],
  images: ['api'],
  specs: ['deploy'],
  // A daemon's leftovers are read from a real store.
  faults: ['state'],
};
// Known crossings to remove, each with its one file and why it is still there.
const EXCEPTIONS = [];
const TEST_FILES = ['**/*.test.ts', '**/testing/**', '**/testing.ts', '**/*-testing.ts'];

const FOLDERS = fs
  .readdirSync(new URL('./src', import.meta.url), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const missing = FOLDERS.filter((dir) => !(dir in MAY_IMPORT));
if (missing.length > 0) {
  throw new Error(`eslint.config.js: say what src/${missing.join(', src/')} may import (MAY_IMPORT)`);
}

/** `allowed` entries are folders, `folder/file` (one module), or `*` with `!folder` exceptions. */
function boundary(dir, allowed, who = `src/${dir}`) {
  const any = allowed.includes('*');
  const forbidden = FOLDERS.filter(
    (other) => other !== dir && (any ? allowed.includes(`!${other}`) : !allowed.includes(other)),
  );
  const patterns = forbidden.map((other) => {
    // A folder allowed only in part (`images/layout`): everything else of it stays out.
    // (No bare `**/${other}` then: a re-included file's folder must not be excluded itself.)
    // A file deeper down (`catalog/jvm/lock`) needs its folders re-included too (gitignore's rule).
    const parts = allowed
      .filter((a) => a.startsWith(`${other}/`))
      .flatMap((a) => [
        ...a
          .split('/')
          .slice(1, -1)
          .map((_, i, dirs) => `!**/${other}/${dirs.slice(0, i + 1).join('/')}`),
        `!**/${a}.js`,
      ]);
    return {
      group: parts.length > 0 ? [`**/${other}/**`, ...parts] : [`**/${other}`, `**/${other}/**`],
      message: any
        ? `${who} may import anything but ${allowed
            .filter((a) => a.startsWith('!'))
            .map((a) => `src/${a.slice(1)}`)
            .join(', ')} (docs/architecture.md#boundaries).`
        : `${who} may import only ${allowed.length ? allowed.map((a) => `src/${a}`).join(', ') : 'itself'} (docs/architecture.md#boundaries).`,
    };
  });
  return { 'no-restricted-imports': ['error', { patterns }] };
}

const boundaries = FOLDERS.flatMap((dir) => {
  const configs = [{ files: [`src/${dir}/**/*.ts`], rules: boundary(dir, MAY_IMPORT[dir]) }];
  const extra = TESTS_MAY_ALSO_IMPORT[dir];
  if (extra) {
    configs.push({
      files: TEST_FILES.map((glob) => `src/${dir}/${glob}`),
      rules: boundary(dir, [...MAY_IMPORT[dir], ...extra], `tests of src/${dir}`),
    });
  }
  return configs;
});
// The web console (web/, a browser bundle) reaches the daemon only through the typed client's browser
// entry (src/client/browser.ts, over fetch) and reads the API's shapes from src/core; the node entry
// (client.ts, node-wire.ts) would pull node:http into the page.
boundaries.push({
  files: ['web/**/*.ts', 'web/**/*.tsx'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: FOLDERS.filter((f) => f !== 'client' && f !== 'core').flatMap((f) => [
              `**/src/${f}`,
              `**/src/${f}/**`,
            ]),
            message:
              'web/ may import only src/client (browser.ts) and src/core (docs/architecture.md#boundaries).',
          },
          {
            group: ['**/src/client/client.js', '**/src/client/node-wire.js', 'node:*'],
            message:
              'web/ runs in a browser: use src/client/browser.ts (the fetch wire), not the node entry.',
          },
        ],
      },
    ],
  },
});
for (const { file, dir, alsoAllowed } of EXCEPTIONS) {
  boundaries.push({ files: [file], rules: boundary(dir, [...MAY_IMPORT[dir], ...alsoAllowed], file) });
}

export default tseslint.config(
  // .cache holds the API fuzzing's Python venv (scripts/schemathesis-venv.sh): not ours to lint.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.cache/**', '.schemathesis/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  ...boundaries,
);
