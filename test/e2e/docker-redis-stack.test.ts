import { dockerEngine } from '../helpers/docker.js';
import { redisStackSuite } from './suites/redis-stack.js';

const probe = await dockerEngine();
if ('skip' in probe) console.error(probe.skip);
else probe.engine.close();
redisStackSuite('docker', 'skip' in probe ? probe.skip : undefined);
