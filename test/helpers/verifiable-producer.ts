import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { cachePath, type LockFile } from '../../src/core/artifact.js';
import { REPO } from './flotilla.js';

/**
 * Kafka's own VerifiableProducer (the Java client, from the package's pinned jars): the tool Kafka's
 * system tests use to prove that no acknowledged message is lost. It prints one JSON line per
 * acknowledged message, so `acked` holds exactly what the cluster confirmed.
 */
export class VerifiableProducer {
  readonly acked: number[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(opts: {
    kafkaVersion: string;
    artifacts: string;
    bootstrap: string;
    topic: string;
    throughput: number;
  }) {
    const lock = JSON.parse(
      fs.readFileSync(path.join(REPO, `src/catalog/kafka/locks/${opts.kafkaVersion}.lock.json`), 'utf8'),
    ) as LockFile;
    const classpath = lock.artifacts.map((a) => cachePath(opts.artifacts, a)).join(':');
    this.child = spawn(
      'java',
      [
        '-Xmx256m',
        '-cp',
        classpath,
        'org.apache.kafka.tools.VerifiableProducer',
        ...['--topic', opts.topic, '--bootstrap-server', opts.bootstrap, '--acks', '-1'],
        ...['--throughput', String(opts.throughput), '--max-messages', '-1', '--repeating-keys', '97'],
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const lines = readline.createInterface({ input: this.child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      const event = JSON.parse(line) as { name: string; value?: string };
      if (event.name === 'producer_send_success') this.acked.push(Number(event.value));
    });
    this.exited = new Promise((resolve) => this.child.on('exit', () => resolve()));
  }

  /** SIGTERM: the tool flushes what is in flight, reports it, and exits. */
  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await this.exited;
  }
}
