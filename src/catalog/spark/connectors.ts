import type { LockFile } from '../../core/artifact.js';
import { FlotillaError } from '../../core/errors.js';
import { loadLock } from '../jvm/lock.js';

/**
 * Connectors a job can ask for by name: jars Spark's PyPI runtime does not carry, pinned in a lock
 * file next to the package (`locks/<version>-<name>.lock.json`) and handed to spark-submit as --jars
 * from the verified artifact cache. The driver ships them to the executors.
 */
export const SPARK_CONNECTORS: Record<string, string> = {
  kafka:
    "Structured Streaming's Kafka source and sink (spark-sql-kafka-0-10, kafka-clients 3.9.1, commons-pool2)",
};

export function connectorLock(version: string, name: string): LockFile {
  if (!Object.hasOwn(SPARK_CONNECTORS, name)) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `connectors: spark ${version} has no connector "${name}"; it offers ${Object.keys(SPARK_CONNECTORS).join(', ')}`,
    );
  }
  return loadLock('spark', `${version}-${name}`);
}
