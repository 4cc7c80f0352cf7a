import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, shotsDir, watchErrors } from '../helpers/browser.js';
import { FlotillaClient } from '../../src/client/client.js';
import { TestHome } from '../helpers/flotilla.js';

const root = process.getuid?.() === 0;
const MB = 1024 * 1024;
// A text whose counts are known: "flotilla" 300 times, "spark" 200, "wizard" 100.
const WORDS = Array.from({ length: 100 }, () => 'Flotilla spark, flotilla. Spark wizard flotilla!').join(
  '\n',
);

/**
 * SuperVessel's three steps in real Chromium against a real daemon and a real Spark cluster: log in
 * with a tenant token, create a cluster (1 worker, 512 MB) with a 32 MB data folder, see it ready with
 * its master URL and UI, upload a file, run the sample word count over it with its output streamed
 * into the page, and upload a file past the data folder's size to see the daemon's refusal (root:
 * the size is a file system of its own).
 */
describe('console: the Spark wizard', () => {
  const home = new TestHome();
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let token = '';
  const shots = shotsDir();
  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

  before(async () => {
    await home.ok(['tenant', 'create', 'lab']);
    token = (await home.ok(['token', 'create', '--tenant', 'lab', '--role', 'tenant-admin'])).trim();
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    errors = watchErrors(page);
  });
  after(async () => {
    await browser?.close();
    assert.equal(await home.cleanup(), 0);
  });

  it('logs in, then creates a cluster with its data folder size', async () => {
    await page.goto(`${home.daemonInfo()!.address}/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Spark wizard' }).click();
    await page.getByRole('heading', { name: 'Create a Spark cluster' }).waitFor();
    await page.getByLabel('Cluster name').fill('wiz');
    await page.getByLabel('Workers', { exact: true }).fill('1');
    await page.getByLabel('Worker cores').fill('1');
    await page.getByLabel('Worker memory (MB)').fill('300');
    await page.getByLabel('Data folder size (MB)').fill(root ? '32' : '');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    // Checked in the page first: nothing was sent.
    await page.getByText('Worker memory (MB) must be at least 450').waitFor();
    await assert.rejects(tenantClient().getService('wiz'), /no service/);
    await page.getByLabel('Worker memory (MB)').fill('512');
    await shot('spark-create');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.getByRole('heading', { name: /Spark cluster wiz/ }).waitFor();
    assert.match(page.url(), /#\/spark\/wiz$/);
  });

  it('shows the ready page: master URL, UI link, the data folder', async () => {
    // A cold runtime (pyspark from PyPI) takes about a minute; the shared artifact cache keeps it.
    // Under heavy load (8 sessions on 2 cores) two JVMs took 10 minutes to start: 15 are allowed.
    await page.getByRole('heading', { name: 'Ready! Spark cluster wiz' }).waitFor({ timeout: 900_000 });
    const master = (await page.getByTestId('master-url').textContent()) ?? '';
    assert.match(master, /^spark:\/\/127\.0\.\d+\.\d+:\d+$/);
    const ui = (await page.getByTestId('master-ui').getAttribute('href')) ?? '';
    const json = (await (await fetch(`${ui}/json/`)).json()) as { aliveworkers: number; url: string };
    assert.equal(json.url, master, "the UI link is this master's UI");
    assert.equal(json.aliveworkers, 1);
    const dataPath = path.join(home.home, 'data', 'lab');
    assert.equal(await page.getByTestId('data-path').textContent(), dataPath);
    if (root) {
      const folder = await tenantClient().dataFolder();
      assert.equal(folder.sizeMb, 32);
      assert.ok(folder.totalBytes <= 32 * MB, `the folder's file system is ${folder.totalBytes} bytes`);
    }
  });

  it('uploads a file from the page and runs the sample job over it, its output streamed in', async () => {
    await page.getByLabel('File to upload').setInputFiles({
      name: 'words.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(WORDS),
    });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.locator('tr[data-file="words.txt"]').waitFor();
    assert.equal(fs.readFileSync(path.join(home.home, 'data', 'lab', 'words.txt'), 'utf8'), WORDS);
    await page.getByLabel('Input file').selectOption('words.txt');
    await page.getByRole('button', { name: 'Run sample job' }).click();
    const output = page.getByTestId('job-output');
    // Streamed: the driver's own lines show while it runs, before the counts.
    await output.filter({ hasText: /SparkContext|Running Spark version/ }).waitFor({ timeout: 120_000 });
    // A loaded machine (8 sessions on 2 cores) makes even two stages slow: minutes, not seconds.
    await output.filter({ hasText: 'counted 3 distinct words in words.txt' }).waitFor({ timeout: 600_000 });
    const text = (await output.textContent()) ?? '';
    assert.match(text, /flotilla\t300/);
    assert.match(text, /spark\t200/);
    assert.match(text, /wizard\t100/);
    await page.locator('.badge.t-finished').waitFor({ timeout: 30_000 });
    await page.locator('tr[data-file="sample/counts.csv"]').waitFor();
    assert.equal(
      fs.readFileSync(path.join(home.home, 'data', 'lab', 'sample', 'counts.csv'), 'utf8').replace(/\r/g, ''),
      'word,count\nflotilla,300\nspark,200\nwizard,100\n',
    );
    await shot('spark-ready');
  });

  it(
    'refuses an upload past the data folder size, and keeps what was there',
    { skip: !root && 'needs root' },
    async () => {
      const before = (await tenantClient().dataFolder()).entries.map((e) => e.path);
      await page.getByLabel('File to upload').setInputFiles({
        name: 'words.txt',
        mimeType: 'application/octet-stream',
        buffer: Buffer.alloc(40 * MB, 0x61),
      });
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: 'DATA_QUOTA_EXCEEDED' }).waitFor({ timeout: 60_000 });
      await shot('spark-refusal');
      assert.equal(fs.readFileSync(path.join(home.home, 'data', 'lab', 'words.txt'), 'utf8'), WORDS);
      assert.deepEqual(
        (await tenantClient().dataFolder()).entries.map((e) => e.path),
        before,
        'nothing added, nothing lost',
      );
      // The cluster is unharmed: it is still ready.
      assert.equal((await tenantClient().getService('wiz')).status, 'ready');
      assert.deepEqual(errors, []);
    },
  );

  const tenantClient = () => new FlotillaClient(home.daemonInfo()!.address, { token });
});
