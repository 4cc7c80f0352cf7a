import { redisStackSuite } from './suites/redis-stack.js';

redisStackSuite('process');
