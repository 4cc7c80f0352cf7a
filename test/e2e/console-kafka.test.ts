import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, shotsDir, watchErrors } from '../helpers/browser.js';
import { TestHome, adminToken } from '../helpers/flotilla.js';
import { commitOffsets, createTopic, kafkaClient } from '../helpers/kafka.js';

const STACK = `name: stream
services:
  events:
    package: kafka
    options: { brokers: 1, heapMb: 256 }
`;

/**
 * The Kafka tab of a Kafka service's page in real Chromium, against a real daemon and a real broker:
 * the topic's partitions and a consumer group's lag, as a real client changes them.
 */
describe('web console: Kafka data plane', () => {
  const home = new TestHome();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let kafka: Kafka;

  before(async () => {
    const file = path.join(home.home, 'stream.yml');
    fs.mkdirSync(home.home, { recursive: true });
    fs.writeFileSync(file, STACK);
    await home.ok(['up', '-f', file, '--wait', '--timeout', '600'], 700_000);
    const svc = await home.client().getService('events');
    kafka = kafkaClient(svc.endpoints[0]!.values.bootstrap!);
    await createTopic(kafka, 'orders', 2, 1);
    await produce(0, 5, 'first');
    await produce(1, 5, 'first');
    await commit({ 0: 5, 1: 2 });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    errors = watchErrors(page);
  });
  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    assert.equal(await home.cleanup(), 0);
  });

  async function produce(partition: number, n: number, tag: string): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic: 'orders',
        acks: -1,
        messages: Array.from({ length: n }, (_, i) => ({
          partition,
          key: `${tag}-${i}`,
          value: JSON.stringify({ tag, i }),
          headers: { origin: 'console-test' },
        })),
      });
    } finally {
      await producer.disconnect();
    }
  }

  const commit = (offsets: Record<number, number>) => commitOffsets(kafka, 'billing', 'orders', offsets);

  const lag = () => page.locator('tr[data-group="billing"] [data-testid="lag"]');
  const partitionRows = () => page.getByRole('table', { name: 'Partitions of orders' }).locator('tbody tr');

  it("shows a Kafka service's topics, partitions and a consumer group's lag", async () => {
    await page.goto(`${home.daemonInfo()!.address}/`);
    await page.getByLabel('API token').fill(adminToken(home.home));
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Services and apps' }).waitFor();
    await page.goto(`${home.daemonInfo()!.address}/#/services/events`);
    await page.getByRole('heading', { name: 'events' }).waitFor();
    await page.getByRole('link', { name: 'Kafka', exact: true }).click();
    const orders = page.locator('tr[data-topic="orders"]');
    await orders.getByTestId('messages').filter({ hasText: /^10$/ }).waitFor({ timeout: 30_000 });
    assert.equal(await orders.locator('td').nth(1).textContent(), '2', 'two partitions');
    assert.equal(await partitionRows().count(), 2);
    assert.equal(
      await page.locator('tr[data-partition="0"] [data-testid="isr"]').textContent(),
      await page.locator('tr[data-partition="0"] td').nth(1).textContent(),
      'the only replica is the leader and in sync',
    );
    // Committed 5 of 5 on partition 0 and 2 of 5 on partition 1: lag 0 + 3.
    await lag().filter({ hasText: /^3$/ }).waitFor();
    assert.equal(
      await page.locator('tr[data-group-partition="billing:orders:1"] [data-testid="lag"]').textContent(),
      '3',
    );
  });

  it('sees the partitions and the lag move after more messages and a new partition', async () => {
    await produce(0, 4, 'more');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 3 }] });
    await admin.disconnect();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await lag().filter({ hasText: /^7$/ }).waitFor({ timeout: 15_000 });
    await page
      .locator('tr[data-topic="orders"] [data-testid="messages"]')
      .filter({ hasText: /^14$/ })
      .waitFor();
    assert.equal(await partitionRows().count(), 3, 'the new partition is listed');
    assert.equal(await page.locator('tr[data-partition="0"] [data-testid="end"]').textContent(), '9');
  });

  it('browses the latest messages of a partition with their keys, values and headers', async () => {
    const form = page.getByRole('form', { name: 'Browse messages' });
    await form.getByLabel('Topic', { exact: true }).selectOption('orders');
    await form.getByLabel('Partition', { exact: true }).selectOption('0');
    await form.getByLabel('Latest N messages').fill('3');
    await form.getByRole('button', { name: 'Show messages' }).click();
    const rows = page.getByRole('table', { name: 'Messages' }).locator('tbody tr');
    await rows.first().waitFor();
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-offset'))), [
      '6',
      '7',
      '8',
    ]);
    const last = page.locator('tr[data-offset="8"]');
    assert.match((await last.textContent()) ?? '', /more-3.*\{"tag":"more","i":3\}.*origin: console-test/);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(shotsDir(), 'kafka.png'), fullPage: true });
    assert.deepEqual(errors, []);
  });
});
