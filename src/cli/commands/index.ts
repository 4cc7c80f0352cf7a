import type { Command } from 'commander';
import { registerAppAdd } from './app-add.js';
import { registerAppList } from './app-list.js';
import { registerAppRemove } from './app-remove.js';
import { registerAppRestart } from './app-restart.js';
import { registerAppScale } from './app-scale.js';
import { registerAppShow } from './app-show.js';
import { registerArtifactsFetch } from './artifacts-fetch.js';
import { registerCassandraCommands } from './cassandra.js';
import { registerComposeCommands } from './compose-config.js';
import { registerDoctor } from './doctor.js';
import { registerImagesCommands } from './images.js';
import { registerDaemonRun } from './daemon-run.js';
import { registerDaemonStart } from './daemon-start.js';
import { registerDaemonStatus } from './daemon-status.js';
import { registerDaemonStop } from './daemon-stop.js';
import { registerPackageDescribe } from './package-describe.js';
import { registerPackageInstall } from './package-install.js';
import { registerPackageList } from './package-list.js';
import { registerPackageUninstall } from './package-uninstall.js';
import { registerServiceEndpoints } from './service-endpoints.js';
import { registerServiceList } from './service-list.js';
import { registerServiceShow } from './service-show.js';
import { registerServiceShare } from './service-share.js';
import { registerStackDown } from './stack-down.js';
import { registerStackReplace } from './stack-replace.js';
import { registerStackList } from './stack-list.js';
import { registerStackShow } from './stack-show.js';
import { registerStackUp } from './stack-up.js';
import { registerTaskKill } from './task-kill.js';
import { registerTaskList } from './task-list.js';
import { registerTaskLogs } from './task-logs.js';
import { registerTaskShow } from './task-show.js';
import { registerTaskWhy } from './task-why.js';
import { registerTenantCommands } from './tenant.js';
import { registerTokenCommands } from './token.js';
import { registerLogin } from './login.js';
import { registerQueue } from './queue.js';
import { registerPlanCommands } from './plan.js';
import { registerUsage } from './usage.js';
import { registerFaultCommands } from './fault.js';
import { registerExperimentRun } from './experiment-run.js';
import { registerSparkCreate } from './spark-create.js';
import { registerSparkJobs } from './spark-jobs.js';
import { registerSparkSubmit } from './spark-submit.js';

/** Every command, in the order `flotilla --help` lists them. */
export function registerCommands(program: Command): void {
  registerStackUp(program);
  registerStackDown(program);
  registerStackReplace(program);
  registerTaskList(program, 'ps');
  registerTaskLogs(program);
  registerQueue(program);

  registerComposeCommands(
    program.command('compose').description('Docker Compose files as Flotilla reads them'),
  );
  registerDoctor(program);
  registerUsage(program);
  registerArtifactsFetch(program.command('artifacts').description('the verified JVM artifact cache'));
  registerImagesCommands(
    program.command('images').description("the Docker driver's runtime images: build, list"),
  );

  const pkg = program.command('package').description('the catalog: list, describe, install, uninstall');
  registerPackageList(pkg);
  registerPackageDescribe(pkg);
  registerPackageInstall(pkg);
  registerPackageUninstall(pkg);

  const service = program.command('service').description('installed packages');
  registerServiceList(service);
  registerServiceShow(service);
  registerServiceEndpoints(service);
  registerServiceShare(service);

  const app = program.command('app').description('Marathon-style apps');
  registerAppAdd(app);
  registerAppList(app);
  registerAppShow(app);
  registerAppScale(app);
  registerAppRestart(app);
  registerAppRemove(app);

  const stack = program.command('stack').description('stacks (see also up and down)');
  registerStackList(stack);
  registerStackShow(stack);

  const task = program.command('task').description('tasks (see also ps and logs)');
  registerTaskList(task, 'list');
  registerTaskShow(task);
  registerTaskKill(task);
  registerTaskWhy(task);

  registerFaultCommands(
    program
      .command('fault')
      .description('the failure lab: inject, list and heal faults (docs/failure-lab.md)'),
  );

  registerExperimentRun(
    program
      .command('experiment')
      .description('the failure lab: run an experiment to a timeline and a verdict'),
  );

  registerPlanCommands(
    program.command('plan').description("a service's plans: deploy, recovery, day-2 operations"),
  );
  registerCassandraCommands(
    program
      .command('cassandra')
      .description('Cassandra services: cql, nodes, health, replace, repair, scale'),
  );

  const spark = program
    .command('spark')
    .description('Spark clusters and their jobs: create, submit, jobs, logs, kill');
  registerSparkCreate(spark);
  registerSparkSubmit(spark);
  registerSparkJobs(spark);

  registerLogin(program);
  registerTenantCommands(
    program.command('tenant').description('tenants, weights and quotas (cluster admins)'),
  );
  registerTokenCommands(program.command('token').description("the tenant's API tokens"));

  const daemon = program.command('daemon').description('the daemon: run (default), start, stop, status');
  registerDaemonRun(daemon);
  registerDaemonStart(daemon);
  registerDaemonStop(daemon);
  registerDaemonStatus(daemon);
}
