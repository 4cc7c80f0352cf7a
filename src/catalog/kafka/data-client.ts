import net from 'node:net';
import type { Admin, Kafka } from 'kafkajs';
import { FlotillaError } from '../../core/errors.js';

/** One Kafka service as the data plane reaches it: its name and its brokers' addresses. */
export interface KafkaTarget {
  service: string;
  brokers: string[];
}

/**
 * The group id prefix of the console's browsing consumers. kafkajs has no manual partition
 * assignment, so a browse joins a one-member group of its own; it commits nothing (an empty group
 * without offsets is dropped by Kafka once its member leaves) and the groups list leaves it out.
 */
export const BROWSE_GROUP_PREFIX = 'flotilla-browse-';

/** How long one data plane request may take in all: a dead broker never holds a request longer. */
export const DEADLINE_MS = 12_000;

/** Something with a disconnect: an admin or a consumer. */
interface Closable {
  disconnect(): Promise<void>;
}

export interface Session {
  kafka: Kafka;
  /** Registers a client to disconnect when the request ends, however it ends. */
  track<C extends Closable>(client: C): C;
}

/**
 * Runs `work` with a kafkajs client of one service, bounded by `deadlineMs`. The client connects
 * only to `brokers` (the service's own endpoint addresses): the daemon runs as root, so its
 * connections pass every tenant's firewall, and a broker's metadata naming another address (another
 * tenant's port) must not lead it there.
 */
export async function withKafka<T>(
  service: string,
  brokers: string[],
  work: (s: Session) => Promise<T>,
  deadlineMs = DEADLINE_MS,
): Promise<T> {
  // Loaded on first use: kafkajs adds ~13 MB to a daemon that may never run Kafka.
  const { Kafka, logLevel } = await import('kafkajs');
  const allowed = new Set(brokers);
  const kafka = new Kafka({
    clientId: `flotilla-console-${service}`,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 },
    socketFactory: ({ host, port, onConnect }) => {
      if (!allowed.has(`${host}:${port}`)) {
        const refused = new net.Socket();
        process.nextTick(() =>
          refused.destroy(new Error(`${host}:${port} is not a broker of service ${service}`)),
        );
        return refused;
      }
      const socket = net.connect({ host, port }, onConnect);
      socket.setKeepAlive(true, 60_000);
      return socket;
    },
  });
  const clients: Closable[] = [];
  const session: Session = {
    kafka,
    track: (client) => {
      clients.push(client);
      return client;
    },
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new FlotillaError(
            'KAFKA_UNREACHABLE',
            `the brokers of ${service} (${brokers.join(', ')}) did not answer within ${deadlineMs / 1000} s`,
          ),
        ),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([
      work(session).catch((err: unknown) => Promise.reject(coded(service, err))),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
    // Not awaited: a disconnect from a dead broker must not hold the answer either.
    for (const c of clients) void c.disconnect().catch(() => undefined);
  }
}

/** kafkajs' errors as coded ones: could not connect, or the brokers refused. */
function coded(service: string, err: unknown): unknown {
  if (err instanceof FlotillaError) return err;
  const e = err as { name?: string; message?: string; type?: string };
  const message = e.message ?? String(err);
  if (
    e.name === 'KafkaJSConnectionError' ||
    e.name === 'KafkaJSNumberOfRetriesExceeded' ||
    e.name === 'KafkaJSRequestTimeoutError' ||
    e.name === 'KafkaJSBrokerNotFound'
  ) {
    return new FlotillaError('KAFKA_UNREACHABLE', `the brokers of ${service} did not answer: ${message}`);
  }
  return new FlotillaError('KAFKA_REQUEST_FAILED', `Kafka refused the request on ${service}: ${message}`);
}

export async function connected(s: Session): Promise<Admin> {
  const admin = s.track(s.kafka.admin());
  await admin.connect();
  return admin;
}

export async function mustExist(admin: Admin, service: string, topic: string): Promise<void> {
  if (!(await admin.listTopics()).includes(topic)) {
    throw new FlotillaError('KAFKA_TOPIC_NOT_FOUND', `service ${service} has no topic "${topic}"`);
  }
}
