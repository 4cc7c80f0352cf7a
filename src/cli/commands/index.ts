import type { Command } from 'commander';

type Register = (program: Command) => Promise<void>;

/** A command group: its description, then each of its subcommands' modules, loaded when it runs. */
function group(name: string, description: string, ...subs: ((parent: Command) => Promise<void>)[]): Register {
  return async (program) => {
    const parent = program.command(name).description(description);
    for (const sub of subs) await sub(parent);
  };
}

/**
 * Every top-level command, in the order `flotilla --help` lists them, each with the modules it needs
 * imported only when it is registered. A command line registers the one command it names, so `ps`
 * loads the task list and the client, not the Compose loader, YAML or the failure lab (each module
 * costs Node about a millisecond to find, read and compile at every start). Help, and a word that
 * names no command (for commander's "did you mean"), register them all.
 */
const COMMANDS: [names: string[], register: Register][] = [
  [['up'], async (p) => (await import('./stack-up.js')).registerStackUp(p)],
  [['down'], async (p) => (await import('./stack-down.js')).registerStackDown(p)],
  [['replace'], async (p) => (await import('./stack-replace.js')).registerStackReplace(p)],
  [['ps'], async (p) => (await import('./task-list.js')).registerTaskList(p, 'ps')],
  [['logs'], async (p) => (await import('./task-logs.js')).registerTaskLogs(p)],
  [['queue'], async (p) => (await import('./queue.js')).registerQueue(p)],
  [
    ['compose'],
    group('compose', 'Docker Compose files as Flotilla reads them', async (c) =>
      (await import('./compose-config.js')).registerComposeCommands(c),
    ),
  ],
  [['doctor'], async (p) => (await import('./doctor.js')).registerDoctor(p)],
  [['usage'], async (p) => (await import('./usage.js')).registerUsage(p)],
  [
    ['artifacts'],
    group('artifacts', 'the verified JVM artifact cache', async (c) =>
      (await import('./artifacts-fetch.js')).registerArtifactsFetch(c),
    ),
  ],
  [
    ['images'],
    group('images', "the Docker driver's runtime images: build, list", async (c) =>
      (await import('./images.js')).registerImagesCommands(c),
    ),
  ],
  [
    ['package'],
    group(
      'package',
      'the catalog: list, describe, install, uninstall',
      async (c) => (await import('./package-list.js')).registerPackageList(c),
      async (c) => (await import('./package-describe.js')).registerPackageDescribe(c),
      async (c) => (await import('./package-install.js')).registerPackageInstall(c),
      async (c) => (await import('./package-uninstall.js')).registerPackageUninstall(c),
    ),
  ],
  [
    ['service'],
    group(
      'service',
      'installed packages',
      async (c) => (await import('./service-list.js')).registerServiceList(c),
      async (c) => (await import('./service-show.js')).registerServiceShow(c),
      async (c) => (await import('./service-endpoints.js')).registerServiceEndpoints(c),
      async (c) => (await import('./service-share.js')).registerServiceShare(c),
    ),
  ],
  [
    ['app'],
    group(
      'app',
      'Marathon-style apps',
      async (c) => (await import('./app-add.js')).registerAppAdd(c),
      async (c) => (await import('./app-list.js')).registerAppList(c),
      async (c) => (await import('./app-show.js')).registerAppShow(c),
      async (c) => (await import('./app-scale.js')).registerAppScale(c),
      async (c) => (await import('./app-restart.js')).registerAppRestart(c),
      async (c) => (await import('./app-remove.js')).registerAppRemove(c),
    ),
  ],
  [
    ['stack'],
    group(
      'stack',
      'stacks (see also up and down)',
      async (c) => (await import('./stack-list.js')).registerStackList(c),
      async (c) => (await import('./stack-show.js')).registerStackShow(c),
    ),
  ],
  [
    ['task'],
    group(
      'task',
      'tasks (see also ps and logs)',
      async (c) => (await import('./task-list.js')).registerTaskList(c, 'list'),
      async (c) => (await import('./task-show.js')).registerTaskShow(c),
      async (c) => (await import('./task-kill.js')).registerTaskKill(c),
      async (c) => (await import('./task-why.js')).registerTaskWhy(c),
    ),
  ],
  [
    ['fault'],
    group('fault', 'the failure lab: inject, list and heal faults (docs/failure-lab.md)', async (c) =>
      (await import('./fault.js')).registerFaultCommands(c),
    ),
  ],
  [
    ['experiment'],
    group('experiment', 'the failure lab: run an experiment to a timeline and a verdict', async (c) =>
      (await import('./experiment-run.js')).registerExperimentRun(c),
    ),
  ],
  [
    ['plan'],
    group('plan', "a service's plans: deploy, recovery, day-2 operations", async (c) =>
      (await import('./plan.js')).registerPlanCommands(c),
    ),
  ],
  [
    ['cassandra'],
    group('cassandra', 'Cassandra services: cql, nodes, health, replace, repair, scale', async (c) =>
      (await import('./cassandra.js')).registerCassandraCommands(c),
    ),
  ],
  [
    ['spark'],
    group(
      'spark',
      'Spark clusters and their jobs: create, submit, jobs, logs, kill',
      async (c) => (await import('./spark-create.js')).registerSparkCreate(c),
      async (c) => (await import('./spark-submit.js')).registerSparkSubmit(c),
      async (c) => (await import('./spark-jobs.js')).registerSparkJobs(c),
    ),
  ],
  [['login', 'logout'], async (p) => (await import('./login.js')).registerLogin(p)],
  [
    ['tenant'],
    group('tenant', 'tenants, weights and quotas (cluster admins)', async (c) =>
      (await import('./tenant.js')).registerTenantCommands(c),
    ),
  ],
  [
    ['token'],
    group('token', "the tenant's API tokens", async (c) =>
      (await import('./token.js')).registerTokenCommands(c),
    ),
  ],
  [
    ['daemon'],
    group(
      'daemon',
      'the daemon: run (default), start, stop, status',
      async (c) => (await import('./daemon-run.js')).registerDaemonRun(c),
      async (c) => (await import('./daemon-start.js')).registerDaemonStart(c),
      async (c) => (await import('./daemon-stop.js')).registerDaemonStop(c),
      async (c) => (await import('./daemon-status.js')).registerDaemonStatus(c),
    ),
  ],
];

/** The program's options that take a value: the word after them is not the command. */
const VALUE_OPTIONS = new Set(['--home', '--tenant']);

/**
 * Where the command a command line names is: its first word that is neither an option nor an
 * option's value (-1: none). `version`: whether the program's --version comes before it, which
 * commander answers before anything else.
 */
function commandAt(argv: string[]): { at: number; version: boolean } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-V' || arg === '--version') return { at: -1, version: true };
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) return { at: i, version: false };
  }
  return { at: -1, version: false };
}

/**
 * Registers the command `argv` names (`help up`: up), none for the program's --version, or every
 * command (help, no command, an unknown word).
 */
export async function registerCommands(program: Command, argv?: string[]): Promise<void> {
  if (!argv) return registerAll(program);
  const { at, version } = commandAt(argv);
  if (version) return;
  const help = argv[at] === 'help' ? commandAt(argv.slice(at + 1)).at : -1;
  const named = help < 0 ? argv[at] : argv[at + 1 + help];
  const one = named === undefined ? undefined : COMMANDS.find(([names]) => names.includes(named));
  if (one) return one[1](program);
  return registerAll(program);
}

async function registerAll(program: Command): Promise<void> {
  for (const [, register] of COMMANDS) await register(program);
}
