import type { DataFolderView, DataUploadView } from '../core/data-schemas.js';
import type { CqlRequest, CqlResultView } from '../core/cql-schemas.js';
import type {
  KafkaGroupsView,
  KafkaMessagesQuery,
  KafkaMessagesView,
  KafkaTopicView,
  KafkaTopicsView,
} from '../core/kafka-schemas.js';
import type { JobListView, JobLogsQuery, JobSubmitBody, JobView } from '../core/job-schemas.js';
import type { HealthReport, NodeView, PlanListView, PlanStartBody, PlanView } from '../core/plan-schemas.js';
import { TenancyCalls } from './tenancy.js';
import { enc, query } from './transport.js';

/**
 * Day-2 work on one service: its plans, the DC/OS Cassandra routes, CQL, Kafka's data plane, jobs (Spark
 * applications), and the tenant's data folder.
 */
export class OperationCalls extends TenancyCalls {
  // plans
  listPlans(service: string): Promise<PlanListView> {
    return this.request('GET', `/v1/services/${enc(service)}/plans`);
  }
  getPlan(service: string, plan: string): Promise<PlanView> {
    return this.request('GET', `/v1/services/${enc(service)}/plans/${enc(plan)}`);
  }
  startPlan(service: string, plan: string, parameters: Record<string, string> = {}): Promise<PlanView> {
    const body: PlanStartBody = { parameters };
    return this.request('POST', `/v1/services/${enc(service)}/plans/${enc(plan)}/start`, body);
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
    return this.request('POST', `/v1/services/${enc(service)}/scale${query({ nodeCount })}`, {});
  }
  cql(service: string, body: CqlRequest): Promise<CqlResultView> {
    return this.request('POST', `/v1/services/${enc(service)}/cql`, body);
  }

  // Kafka's data plane
  kafkaTopics(service: string): Promise<KafkaTopicsView> {
    return this.request('GET', `/v1/services/${enc(service)}/kafka/topics`);
  }
  kafkaTopic(service: string, topic: string): Promise<KafkaTopicView> {
    return this.request('GET', `/v1/services/${enc(service)}/kafka/topics/${enc(topic)}`);
  }
  kafkaGroups(service: string): Promise<KafkaGroupsView> {
    return this.request('GET', `/v1/services/${enc(service)}/kafka/consumer-groups`);
  }
  /** The latest `limit` messages of one partition, oldest first. */
  kafkaMessages(service: string, topic: string, q: KafkaMessagesQuery): Promise<KafkaMessagesView> {
    return this.request('GET', `/v1/services/${enc(service)}/kafka/topics/${enc(topic)}/messages${query(q)}`);
  }

  // jobs
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
    return this.request(
      'DELETE',
      `/v1/services/${enc(service)}/jobs/${enc(id)}${query({ grace: graceSeconds })}`,
    );
  }
  jobLogs(service: string, id: string, opts: Omit<JobLogsQuery, 'follow'> = {}): Promise<string> {
    return this.request('GET', `/v1/services/${enc(service)}/jobs/${enc(id)}/logs${query(opts)}`);
  }
  /** Streams the driver's output; resolves when the job has ended (or `signal` aborts). */
  followJobLogs(
    service: string,
    id: string,
    opts: Omit<JobLogsQuery, 'follow'>,
    onChunk: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const path = `/v1/services/${enc(service)}/jobs/${enc(id)}/logs${query({ ...opts, follow: true })}`;
    return this.stream(path, onChunk, signal);
  }

  // the tenant's data folder
  dataFolder(): Promise<DataFolderView> {
    return this.request('GET', '/v1/data');
  }
  /** Gives the data folder a size in MB (a quota the daemon enforces; it only grows). */
  setDataSize(sizeMb: number): Promise<DataFolderView> {
    return this.request('PUT', '/v1/data', { sizeMb });
  }
  /** Uploads a file to `path` (relative to the data folder; "/" separates folders). */
  uploadData(path: string, body: Uint8Array | Blob): Promise<DataUploadView> {
    return this.upload('PUT', `/v1/data/${path.split('/').map(encodeURIComponent).join('/')}`, body);
  }
}
