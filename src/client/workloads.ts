import type { PlanView } from '../core/deploy-schemas.js';
import type {
  AppView,
  DeployResultView,
  PackageDescription,
  PackageSummary,
  ServiceView,
  StackView,
  TaskView,
} from '../core/api-schemas.js';
import type {
  AppScaleBody,
  ComposeConfigView,
  ComposeOptions,
  ServiceInstallBody,
  StackApplyBody,
  TaskListQuery,
  TaskLogsQuery,
} from '../core/request-schemas.js';
import type { NodeUsageView, TerminalTicket, WorkloadPage, WorkloadQuery } from '../core/console-schemas.js';
import type { Endpoint } from '../core/service.js';
import type { PullEvent, StackApplyLine } from '../core/streams.js';
import { DaemonCalls } from './daemon.js';
import { enc, query } from './transport.js';

/** What runs: stacks, the catalog's packages, services, apps, and their tasks. */
export class WorkloadCalls extends DaemonCalls {
  // stacks
  /** `compose`: the file's folder, the variables it refers to and the active profiles (Compose files). */
  /** `onPull` follows the layers of the images pulled first (the answer is then a progress stream). */
  async applyStack(
    name: string,
    source: string,
    compose: ComposeOptions = {},
    onPull?: (e: PullEvent) => void,
  ): Promise<DeployResultView> {
    const body: StackApplyBody = { source, ...compose };
    if (!onPull) return this.request('PUT', `/v1/stacks/${enc(name)}`, body);
    const last = await this.progress<StackApplyLine>(
      `/v1/stacks/${enc(name)}?progress=true`,
      body,
      (line) => {
        if (line.type === 'progress' && line.image)
          onPull({ ...line, image: line.image, status: line.status ?? '' });
      },
      'the stack apply',
      'PUT',
    );
    return last.result!;
  }
  /** What `applyStack` would do, as a diff; the daemon starts and writes nothing. */
  planStack(name: string, source: string, compose: ComposeOptions = {}): Promise<PlanView> {
    const body: StackApplyBody = { source, ...compose };
    return this.request('POST', `/v1/stacks/${enc(name)}/plan`, body);
  }
  /** A Compose file's normalised model, as `docker compose config` prints it. */
  composeConfig(name: string, source: string, compose: ComposeOptions = {}): Promise<ComposeConfigView> {
    const body: StackApplyBody = { source, ...compose };
    return this.request('POST', `/v1/stacks/${enc(name)}/compose-config`, body);
  }
  /** Replaces stack `old` by the stack the file declares (named by the file). */
  replaceStack(
    old: string,
    source: string,
    compose: ComposeOptions = {},
    purge = false,
  ): Promise<DeployResultView> {
    const body: StackApplyBody = { source, ...compose };
    return this.request('POST', `/v1/stacks/${enc(old)}/replace${purge ? '?purge=true' : ''}`, body);
  }
  downStack(name: string, purge = false): Promise<DeployResultView> {
    return this.request('DELETE', `/v1/stacks/${enc(name)}${purge ? '?purge=true' : ''}`);
  }
  listStacks(): Promise<StackView[]> {
    return this.request('GET', '/v1/stacks');
  }
  getStack(name: string): Promise<StackView> {
    return this.request('GET', `/v1/stacks/${enc(name)}`);
  }

  // packages and services
  listPackages(): Promise<PackageSummary[]> {
    return this.request('GET', '/v1/packages');
  }
  describePackage(name: string): Promise<PackageDescription> {
    return this.request('GET', `/v1/packages/${enc(name)}`);
  }
  installService(body: ServiceInstallBody): Promise<DeployResultView> {
    return this.request('POST', '/v1/services', body);
  }
  uninstallService(name: string, purge = false): Promise<void> {
    return this.request('DELETE', `/v1/services/${enc(name)}${purge ? '?purge=true' : ''}`);
  }
  listServices(): Promise<ServiceView[]> {
    return this.request('GET', '/v1/services');
  }
  getService(name: string): Promise<ServiceView> {
    return this.request('GET', `/v1/services/${enc(name)}`);
  }
  endpoints(name: string): Promise<Endpoint[]> {
    return this.request('GET', `/v1/services/${enc(name)}/endpoints`);
  }

  /** Services and apps as one list, filtered, sorted and paged by the daemon. */
  listWorkloads(q: WorkloadQuery = {}): Promise<WorkloadPage> {
    return this.request('GET', `/v1/workloads${query(q)}`);
  }
  /** Each node: offered, held (every tenant, summed), and the caller's tasks on it. */
  listNodes(): Promise<NodeUsageView[]> {
    return this.request('GET', '/v1/nodes');
  }

  // apps
  /** `definition`: a Marathon app definition; the daemon checks it field by field. */
  addApp(definition: unknown): Promise<DeployResultView> {
    return this.request('POST', '/v1/apps', definition);
  }
  putApp(id: string, definition: unknown): Promise<DeployResultView> {
    return this.request('PUT', `/v1/apps/${enc(id)}`, definition);
  }
  listApps(): Promise<AppView[]> {
    return this.request('GET', '/v1/apps');
  }
  getApp(id: string): Promise<AppView> {
    return this.request('GET', `/v1/apps/${enc(id)}`);
  }
  scaleApp(id: string, instances: number): Promise<DeployResultView> {
    const body: AppScaleBody = { instances };
    return this.request('POST', `/v1/apps/${enc(id)}/scale`, body);
  }
  restartApp(id: string): Promise<AppView> {
    return this.request('POST', `/v1/apps/${enc(id)}/restart`, {});
  }
  removeApp(id: string, purge = false): Promise<void> {
    return this.request('DELETE', `/v1/apps/${enc(id)}${purge ? '?purge=true' : ''}`);
  }

  // tasks
  listTasks(filter: Omit<TaskListQuery, 'fields'> = {}): Promise<TaskView[]> {
    return this.request('GET', `/v1/tasks${query(filter)}`);
  }
  /** Only these fields of each task: a list of 10,000 is a fifth of the bytes to send and parse. */
  listTaskFields<K extends keyof TaskView>(
    fields: readonly K[],
    filter: Omit<TaskListQuery, 'fields'> = {},
  ): Promise<Pick<TaskView, K>[]> {
    return this.request('GET', `/v1/tasks${query({ ...filter, fields: fields.join(',') })}`);
  }
  getTask(id: string): Promise<TaskView> {
    return this.request('GET', `/v1/tasks/${enc(id)}`);
  }
  killTask(id: string): Promise<TaskView> {
    return this.request('POST', `/v1/tasks/${enc(id)}/kill`, {});
  }
  /** A one-use ticket (30 s) for the task's terminal; open it with `terminalUrl` and the ticket's protocols. */
  terminalTicket(id: string): Promise<TerminalTicket> {
    return this.request('POST', `/v1/tasks/${enc(id)}/terminal`, {});
  }
  /** The WebSocket address of a ticket's terminal, on this daemon (ws:, or wss: behind https). */
  terminalUrl(ticket: TerminalTicket): string {
    const url = new URL(ticket.path, this.address);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  }
  logs(id: string, opts: Omit<TaskLogsQuery, 'follow'> = {}): Promise<string> {
    return this.request('GET', `/v1/tasks/${enc(id)}/logs${query(opts)}`);
  }
  /** Streams a task's log as it grows; resolves when `signal` aborts or the daemon goes away. */
  followLogs(
    id: string,
    opts: Omit<TaskLogsQuery, 'follow'>,
    onChunk: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.stream(`/v1/tasks/${enc(id)}/logs${query({ ...opts, follow: true })}`, onChunk, signal);
  }
}
