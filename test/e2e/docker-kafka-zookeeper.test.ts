import { dockerEngine } from '../helpers/docker.js';
import { kafkaZookeeperSuite } from './suites/kafka-zookeeper.js';

const probe = await dockerEngine();
if ('skip' in probe) console.error(probe.skip);
else probe.engine.close();
kafkaZookeeperSuite('docker', 'skip' in probe ? probe.skip : undefined);
