import type { FlotillaClient } from '../../client/client.js';
import { FlotillaError } from '../../core/errors.js';
import { serviceOfPackage } from '../workloads.js';
import { kafkaTool } from './java.js';
import type { KafkaWorkload } from './options.js';
import { createTopic, spawnProducer, type KafkaTarget, type WaitingProducer } from './workload.js';

/**
 * The Kafka workload's setup, before the experiment's clock starts: the service's version (the client
 * jars come from the same lock as its brokers'), its bootstrap, the compiled program, the run's topic, a producer ready to send.
 */
export async function prepareKafka(
  client: FlotillaClient,
  w: KafkaWorkload,
  artifactsDir: string | undefined,
): Promise<{ target: KafkaTarget; producer: WaitingProducer }> {
  const service = await serviceOfPackage(client, w.service, 'kafka');
  const bootstrap = (await client.endpoints(w.service))[0]?.values.bootstrap;
  if (!bootstrap) throw new FlotillaError('SERVICE_NOT_READY', `${w.service} has no bootstrap endpoint yet`);
  if (!artifactsDir)
    throw new FlotillaError('INTERNAL', 'the Kafka workload needs the artifact cache (artifactsDir)');
  const target = {
    tool: await kafkaTool(artifactsDir, service.version),
    bootstrap,
    topic: w.topic ?? `flotilla-lab-${Date.now()}`,
  };
  await createTopic(w, target);
  return { target, producer: await spawnProducer(w, target) };
}
