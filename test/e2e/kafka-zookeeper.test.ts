import { kafkaZookeeperSuite } from './suites/kafka-zookeeper.js';

kafkaZookeeperSuite('process');
