import http from 'node:http';
import type {
  AppView,
  PackageDescription,
  PackageSummary,
  DeployResultView,
  HealthView,
  ServiceView,
  StackView,
  TaskView,
} from '../core/api-schemas.js';
import type { ImageView, UsageView } from '../core/api-schemas.js';
import { FlotillaError, type ErrorBody } from '../core/errors.js';
import type {
  MintedTokenView,
  QueueView,
  TenantView,
  TokenView,
  WhoAmIView,
  WhyView,
} from '../core/tenant-schemas.js';
import type { Quota, Role } from '../core/tenant.js';
import type { CqlRequest, CqlResultView } from '../core/cql-schemas.js';
import type { HealthReport, NodeView, PlanListView, PlanView } from '../core/plan-schemas.js';
import type { Endpoint } from '../core/service.js';
import type { JobListView, JobSubmitBody, JobView } from '../core/job-schemas.js';
import type { ArtifactFetchLine, FlotillaEvent, ImageBuildLine } from '../core/streams.js';

export type { ArtifactFetchLine, FlotillaEvent, ImageBuildLine, PackageDescription, PackageSummary };

/**
 * The typed HTTP client of the Flotilla API: the only door the CLI (and any dashboard) uses to reach
 * the daemon. Errors come back as FlotillaError with the daemon's code.
 */
export interface ClientOptions {
  /** An API token (`flt_…`); sent as `Authorization: Bearer`. */
  token?: string;
  /** Act for this tenant (cluster admins only): sent as the Flotilla-Tenant header. */
  tenant?: string;
}

export class FlotillaClient {
  private readonly base: URL;
  private readonly auth: Record<string, string>;

  constructor(address: string, options: ClientOptions = {}) {
    this.base = new URL(address);
    this.auth = {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.tenant ? { 'flotilla-tenant': options.tenant } : {}),
    };
  }

  get address(): string {
    return this.base.origin;
  }

  health(): Promise<HealthView> {
    return this.request('GET', '/v1/health');
  }

  shutdown(stopTasks = false): Promise<{ stopping: boolean }> {
    return this.request('POST', '/v1/daemon/shutdown', { stopTasks });
  }

  /** Checks this machine for what the catalog's packages need. */
  doctor(): Promise<{ ok: boolean; checks: { name: string; ok: boolean; detail: string; fix?: string }[] }> {
    return this.request('GET', '/v1/doctor');
  }

  /** Pre-fetches a package's JVM artifacts; `onLine` sees every progress line; rejects on a coded error. */
  fetchArtifacts(
    pkg: string,
    version: string | undefined,
    onLine: (line: ArtifactFetchLine) => void,
  ): Promise<ArtifactFetchLine> {
    const body = { package: pkg, ...(version ? { version } : {}) };
    return this.progress('/v1/artifacts/fetch', body, onLine, 'the artifact fetch');
  }

  /**
   * Builds the Docker driver's runtime images that are missing: the base, then each package's
   * (`redis`, `kafka@3.9.1`; none: the whole catalog). `onLine` sees every line; rejects on a coded error.
   */
  buildImages(
    body: { packages?: string[]; base?: string },
    onLine: (line: ImageBuildLine) => void,
  ): Promise<ImageBuildLine> {
    return this.progress('/v1/images/build', body, onLine, 'the image build');
  }

  /**
   * A POST answered with newline-delimited JSON progress: every line goes to `onLine`; the last
   * must say `done` (it is returned) or `error` (thrown as the coded error it carries).
   */
  private async progress<L extends { type: string; error?: ErrorBody }>(
    path: string,
    body: unknown,
    onLine: (line: L) => void,
    what: string,
  ): Promise<L> {
    let buffer = '';
    let last: L | null = null;
    await this.stream(
      path,
      (chunk) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n')) >= 0) {
          const line = JSON.parse(buffer.slice(0, end)) as L;
          buffer = buffer.slice(end + 1);
          last = line;
          onLine(line);
        }
      },
      undefined,
      { method: 'POST', body },
    );
    const final = last as L | null;
    if (final?.type === 'error' && final.error) throw FlotillaError.fromBody(final.error);
    if (final?.type !== 'done') throw new FlotillaError('INTERNAL', `${what} ended without a result`);
    return final;
  }

  listImages(): Promise<ImageView[]> {
    return this.request('GET', '/v1/images');
  }

  // stacks
  /** `compose`: the file's folder, the variables it refers to and the active profiles (Compose files). */
  applyStack(
    name: string,
    source: string,
    compose: { directory?: string; variables?: Record<string, string>; profiles?: string[] } = {},
  ): Promise<DeployResultView> {
    return this.request('PUT', `/v1/stacks/${enc(name)}`, { source, ...compose });
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
  installService(body: {
    name: string;
    package: string;
    version?: string;
    options?: Record<string, unknown>;
  }): Promise<DeployResultView> {
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

  // apps
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
    return this.request('POST', `/v1/apps/${enc(id)}/scale`, { instances });
  }
  restartApp(id: string): Promise<AppView> {
    return this.request('POST', `/v1/apps/${enc(id)}/restart`, {});
  }
  removeApp(id: string, purge = false): Promise<void> {
    return this.request('DELETE', `/v1/apps/${enc(id)}${purge ? '?purge=true' : ''}`);
  }

  // tenants, tokens and the scheduler's queue
  whoami(): Promise<WhoAmIView> {
    return this.request('GET', '/v1/whoami');
  }
  listTenants(): Promise<TenantView[]> {
    return this.request('GET', '/v1/tenants');
  }
  getTenant(name: string): Promise<TenantView> {
    return this.request('GET', `/v1/tenants/${enc(name)}`);
  }
  createTenant(body: { name: string; weight?: number; quota?: Quota | null }): Promise<TenantView> {
    return this.request('POST', '/v1/tenants', body);
  }
  updateTenant(name: string, patch: { weight?: number; quota?: Quota | null }): Promise<TenantView> {
    return this.request('PATCH', `/v1/tenants/${enc(name)}`, patch);
  }
  removeTenant(name: string): Promise<void> {
    return this.request('DELETE', `/v1/tenants/${enc(name)}`);
  }
  listTokens(): Promise<TokenView[]> {
    return this.request('GET', '/v1/tokens');
  }
  createToken(role: Role, name?: string): Promise<MintedTokenView> {
    return this.request('POST', '/v1/tokens', { role, ...(name ? { name } : {}) });
  }
  revokeToken(id: string): Promise<void> {
    return this.request('DELETE', `/v1/tokens/${enc(id)}`);
  }
  listWaiting(): Promise<QueueView[]> {
    return this.request('GET', '/v1/queue');
  }
  why(taskId: string): Promise<WhyView> {
    return this.request('GET', `/v1/tasks/${enc(taskId)}/why`);
  }

  // plans
  listPlans(service: string): Promise<PlanListView> {
    return this.request('GET', `/v1/services/${enc(service)}/plans`);
  }
  getPlan(service: string, plan: string): Promise<PlanView> {
    return this.request('GET', `/v1/services/${enc(service)}/plans/${enc(plan)}`);
  }
  startPlan(service: string, plan: string, parameters: Record<string, string> = {}): Promise<PlanView> {
    return this.request('POST', `/v1/services/${enc(service)}/plans/${enc(plan)}/start`, { parameters });
  }
  stopPlan(service: string, plan: string): Promise<PlanView> {
    return this.request('POST', `/v1/services/${enc(service)}/plans/${enc(plan)}/stop`, {});
  }
  continuePlan(service: string, plan: string): Promise<PlanView> {
    return this.request('POST', `/v1/services/${enc(service)}/plans/${enc(plan)}/continue`, {});
  }

  // the DC/OS Cassandra service's routes, and CQL
  serviceNodes(service: string): Promise<NodeView[]> {
    return this.request('GET', `/v1/services/${enc(service)}/nodes`);
  }
  serviceHealth(service: string): Promise<HealthReport> {
    return this.request('GET', `/v1/services/${enc(service)}/health`);
  }
  /** Starts the "replace" plan for one node. */
  replaceNode(service: string, node: string): Promise<PlanView> {
    return this.request('POST', `/v1/services/${enc(service)}/nodes/${enc(node)}/replace`, {});
  }
  /** Starts the "repair" plan. */
  repairService(service: string): Promise<PlanView> {
    return this.request('POST', `/v1/services/${enc(service)}/repair`, {});
  }
  /** Starts the "scale" plan (DC/OS's `?nodeCount=`). */
  scaleService(service: string, nodeCount: number): Promise<PlanView> {
    return this.request('POST', `/v1/services/${enc(service)}/scale?nodeCount=${nodeCount}`, {});
  }
  cql(service: string, body: CqlRequest): Promise<CqlResultView> {
    return this.request('POST', `/v1/services/${enc(service)}/cql`, body);
  }

  // jobs (Spark applications run on a service)
  submitJob(service: string, body: JobSubmitBody): Promise<JobView> {
    return this.request('POST', `/v1/services/${enc(service)}/jobs`, body);
  }
  listJobs(service: string): Promise<JobListView> {
    return this.request('GET', `/v1/services/${enc(service)}/jobs`);
  }
  getJob(service: string, id: string): Promise<JobView> {
    return this.request('GET', `/v1/services/${enc(service)}/jobs/${enc(id)}`);
  }
  /** Kills a running job; resolves with it once it has ended. */
  killJob(service: string, id: string, graceSeconds?: number): Promise<JobView> {
    const q = graceSeconds === undefined ? '' : `?grace=${graceSeconds}`;
    return this.request('DELETE', `/v1/services/${enc(service)}/jobs/${enc(id)}${q}`);
  }
  jobLogs(service: string, id: string, opts: { tail?: number } = {}): Promise<string> {
    return this.request('GET', `/v1/services/${enc(service)}/jobs/${enc(id)}/logs?${logQuery(opts, false)}`);
  }
  /** Streams the driver's output; resolves when the job has ended (or `signal` aborts). */
  followJobLogs(
    service: string,
    id: string,
    opts: { tail?: number },
    onChunk: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.stream(
      `/v1/services/${enc(service)}/jobs/${enc(id)}/logs?${logQuery(opts, true)}`,
      onChunk,
      signal,
    );
  }

  // tasks
  listTasks(filter: { owner?: string; stack?: string } = {}): Promise<TaskView[]> {
    const q = new URLSearchParams(
      Object.entries(filter).filter(([, v]) => v) as [string, string][],
    ).toString();
    return this.request('GET', `/v1/tasks${q ? `?${q}` : ''}`);
  }
  getTask(id: string): Promise<TaskView> {
    return this.request('GET', `/v1/tasks/${enc(id)}`);
  }
  killTask(id: string): Promise<TaskView> {
    return this.request('POST', `/v1/tasks/${enc(id)}/kill`, {});
  }
  logs(id: string, opts: { stream?: 'stdout' | 'stderr'; tail?: number } = {}): Promise<string> {
    return this.request('GET', `/v1/tasks/${enc(id)}/logs?${logQuery(opts, false)}`);
  }

  /** Streams a task's log as it grows; resolves when `signal` aborts or the daemon goes away. */
  followLogs(
    id: string,
    opts: { stream?: 'stdout' | 'stderr'; tail?: number },
    onChunk: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.stream(`/v1/tasks/${enc(id)}/logs?${logQuery(opts, true)}`, onChunk, signal);
  }

  // metering
  /** Resource-seconds held over [from, to) (epoch ms or ISO 8601 with a zone; default: the last day). */
  usage(
    range: { from?: number | string; to?: number | string; by?: 'tenant' | 'service' } = {},
  ): Promise<UsageView> {
    const q = new URLSearchParams(
      Object.entries(range)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    return this.request('GET', `/v1/usage${q ? `?${q}` : ''}`);
  }

  /** Subscribes to the event stream (server-sent events). */
  events(onEvent: (e: FlotillaEvent) => void, signal?: AbortSignal, since?: number): Promise<void> {
    let buffer = '';
    return this.stream(
      `/v1/events${since !== undefined ? `?since=${since}` : ''}`,
      (chunk) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            frame
              .split('\n')
              .filter((l) => !l.startsWith(':') && l.includes(': '))
              .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
          );
          if (fields.data)
            onEvent({
              id: Number(fields.id),
              type: fields.event ?? 'message',
              data: JSON.parse(fields.data),
            });
        }
      },
      signal,
    );
  }

  private stream(
    path: string,
    onChunk: (text: string) => void,
    signal?: AbortSignal,
    post?: { method: 'POST'; body: unknown },
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const payload = post ? JSON.stringify(post.body) : undefined;
      const headers = {
        ...this.auth,
        ...(payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {}),
      };
      const req = http.request(
        new URL(path, this.base),
        { method: post?.method ?? 'GET', headers, signal },
        (res) => {
          if ((res.statusCode ?? 500) >= 400) {
            collect(res).then((text) => reject(toError(res.statusCode ?? 500, text)), reject);
            return;
          }
          res.setEncoding('utf8');
          res.on('data', onChunk);
          res.on('end', resolve);
          res.on('error', () => resolve());
        },
      );
      req.on('error', (err) => (signal?.aborted ? resolve() : reject(unreachable(this.address, err))));
      req.end(payload);
    });
  }

  private request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        new URL(path, this.base),
        {
          method,
          headers: {
            ...this.auth,
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
        },
        (res) => {
          collect(res).then((text) => {
            const status = res.statusCode ?? 500;
            if (status >= 400) return reject(toError(status, text));
            if (status === 204) return resolve(undefined as T);
            const type = String(res.headers['content-type'] ?? '');
            if (text === '') return resolve((type.includes('json') ? undefined : '') as T);
            resolve((type.includes('json') ? JSON.parse(text) : text) as T);
          }, reject);
        },
      );
      req.on('error', (err) => reject(unreachable(this.address, err)));
      if (payload) req.write(payload);
      req.end();
    });
  }
}

function enc(s: string): string {
  return encodeURIComponent(s.replace(/^\//, ''));
}

function logQuery(opts: { stream?: string; tail?: number }, follow: boolean): string {
  const q = new URLSearchParams();
  if (opts.stream) q.set('stream', opts.stream);
  if (opts.tail !== undefined) q.set('tail', String(opts.tail));
  if (follow) q.set('follow', 'true');
  return q.toString();
}

function collect(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function toError(status: number, text: string): FlotillaError {
  try {
    const body = JSON.parse(text) as ErrorBody;
    if (body && typeof body.code === 'string') return FlotillaError.fromBody(body);
  } catch {
    // not JSON: fall through
  }
  return new FlotillaError('INTERNAL', `the daemon answered ${status}: ${text.slice(0, 200)}`);
}

function unreachable(address: string, err: Error): FlotillaError {
  return new FlotillaError('DAEMON_UNREACHABLE', `no Flotilla daemon answers at ${address} (${err.message})`);
}
