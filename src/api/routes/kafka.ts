import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NameParams, errorResponses } from '../../core/api-schemas.js';
import { FlotillaError } from '../../core/errors.js';
import {
  KafkaGroupsView,
  KafkaMessagesQuery,
  KafkaMessagesView,
  KafkaTopicParams,
  KafkaTopicView,
  KafkaTopicsView,
  MESSAGES_DEFAULT,
} from '../../core/kafka-schemas.js';
import type { KafkaTarget } from '../../catalog/kafka/data-client.js';
import type { ControlPlane } from '../../daemon/control-plane.js';
import type { ApiDeps } from '../deps.js';

/**
 * Kafka's data plane on a Kafka service (what Kafka UI shows): topics and partitions, consumer
 * groups with lag, the latest messages of a partition. The daemon reads them with kafkajs, loaded on
 * first use, connecting only to the service's own brokers; each request is bounded in time. Scoped
 * like every route: another tenant's service answers 404.
 */
export const kafkaRoutes =
  ({ control }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['kafka'];
    app.get(
      '/v1/services/:name/kafka/topics',
      {
        schema: {
          tags,
          summary: "A Kafka service's brokers and topics (partitions, replication, under-replicated)",
          params: NameParams,
          response: { 200: KafkaTopicsView, ...errorResponses },
        },
      },
      async (req) => (await plane()).listTopics(target(control, req.tenant, req.params.name)),
    );
    app.get(
      '/v1/services/:name/kafka/topics/:topic',
      {
        schema: {
          tags,
          summary: "A topic's partitions: leader, replicas, in-sync replicas, start and end offsets",
          params: KafkaTopicParams,
          response: { 200: KafkaTopicView, ...errorResponses },
        },
      },
      async (req) =>
        (await plane()).describeTopic(target(control, req.tenant, req.params.name), req.params.topic),
    );
    app.get(
      '/v1/services/:name/kafka/consumer-groups',
      {
        schema: {
          tags,
          summary: 'Consumer groups: members, committed and end offset per partition, lag',
          params: NameParams,
          response: { 200: KafkaGroupsView, ...errorResponses },
        },
      },
      async (req) => (await plane()).listGroups(target(control, req.tenant, req.params.name)),
    );
    app.get(
      '/v1/services/:name/kafka/topics/:topic/messages',
      {
        schema: {
          tags,
          summary: 'The latest N messages of a partition: key, value (text, or base64), headers',
          params: KafkaTopicParams,
          querystring: KafkaMessagesQuery,
          response: { 200: KafkaMessagesView, ...errorResponses },
        },
      },
      async (req) => {
        const { latestMessages } = await import('../../catalog/kafka/messages.js');
        const q = req.query;
        return latestMessages(
          target(control, req.tenant, req.params.name),
          req.params.topic,
          q.partition,
          q.limit ?? MESSAGES_DEFAULT,
        );
      },
    );
  };

// Loaded on first use, with kafkajs: a daemon that never shows Kafka never loads either.
const plane = () => import('../../catalog/kafka/data-plane.js');

/** The tenant's Kafka service and its brokers' addresses; a coded refusal for anything else. */
function target(control: ControlPlane, tenant: string, name: string): KafkaTarget {
  const svc = control.getService(tenant, name);
  const endpoint = svc.package === 'kafka' ? svc.endpoints.find((e) => e.name === 'kafka') : undefined;
  if (!endpoint) {
    throw new FlotillaError(
      'SERVICE_NOT_KAFKA',
      `service ${name} is a ${svc.package} service: the Kafka routes read a kafka service`,
    );
  }
  if (!svc.tasks.some((t) => t.ready) || endpoint.addresses.length === 0) {
    throw new FlotillaError('KAFKA_NOT_READY', `no broker of ${name} is ready yet (status ${svc.status})`);
  }
  return { service: name, brokers: endpoint.addresses };
}
