import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import type { CDPSession, Page } from 'playwright-core';
import { someDeps } from '../src/api/deps.js';
import { buildServer } from '../src/api/server.js';
import type { AppSpec } from '../src/core/app.js';
import { virtualNodes } from '../src/core/node.js';
import { pathsFor } from '../src/core/paths.js';
import { testLaunchSpec } from '../src/core/testing.js';
import { ConsoleViews } from '../src/daemon/console-views.js';
import { EventBus } from '../src/reconciler/events.js';
import { createStore } from '../src/state/store.js';
import { launchChromium } from '../test/helpers/browser.js';
import { median, ms, report } from './util.js';

/**
 * The web console in Chromium: the gzipped first load, the services view's first render with 10,000
 * owners against an empty view (same server code, same run), and the time from a task's state change
 * to the DOM with those 10,000 listed; then the page's JavaScript heap before and after 10 minutes of
 * live updates (BENCH_LIVE_S), each measured after a full garbage collection. The daemon side is the real API (routes, console views, event
 * stream) over a store filled directly: 10,000 processes would measure the machine, not the console.
 */
const OWNERS = Number(process.env.BENCH_APPS ?? 10_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 5);
const LIVE_S = Number(process.env.BENCH_LIVE_S ?? 600);
/** Task state changes a second during the live phase, each on another owner. */
const RATE = 20;
const WEB = fileURLToPath(new URL('../web/', import.meta.url));

async function server(owners: number) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-console-'));
  const store = createStore(':memory:');
  const nodes = virtualNodes(4, { cpus: 64, mem: 1 << 20, disk: 1 << 20, ports: 20_000, labels: {} });
  for (let i = 0; i < owners; i++) {
    const id = `app-${String(i).padStart(5, '0')}`;
    store.apps.put({ tenant: 'default', id, spec: { id, instances: 1 } as AppSpec, stack: null }, 0);
    store.tasks.put(
      {
        tenant: 'default',
        id: `${id}.0`,
        ownerKind: 'app',
        owner: id,
        name: '0',
        role: 'app',
        index: 0,
        stack: null,
        nodeId: nodes[i % 4]!.id,
        host: nodes[i % 4]!.host,
        ports: [],
        spec: testLaunchSpec({ cmd: 'sleep 600', cpus: 0.01, mem: 4 }),
        specHash: 'h',
        desired: 'running',
      },
      0,
    );
    store.tasks.update('default', `${id}.0`, { state: 'running', launchedSpecHash: 'h', launches: 1 }, 0);
  }
  const events = new EventBus(store.events);
  const app = await buildServer(
    someDeps({
      views: new ConsoleViews({ store, nodes }),
      store,
      auth: false,
      events,
      metrics: new Registry(),
      paths: pathsFor(home),
      version: 'bench',
      startedAt: Date.now(),
    }),
  );
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    address,
    store,
    events,
    close: async () => {
      await app.close();
      store.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

type Server = Awaited<ReturnType<typeof server>>;

/** A task's state change, as the reconciler makes it: the record, then its event. */
function flip(full: Server, owner: string, failing: boolean): number {
  const at = Date.now();
  full.store.tasks.update('default', `${owner}.0`, { state: failing ? 'failed' : 'running' }, at);
  full.events.publish('default', 'task_state', `${owner}.0`, { task: `${owner}.0`, owner }, at);
  return at;
}

/** The page's live JavaScript heap in MB, after a full collection. */
async function heapMb(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize / 2 ** 20;
}

/** `seconds` of state changes at RATE a second, spread over every owner, each flipped back later. */
async function liveUpdates(full: Server, seconds: number): Promise<number> {
  const failing = new Set<string>();
  const end = Date.now() + seconds * 1000;
  let n = 0;
  for (; Date.now() < end; n++) {
    const owner = `app-${String((n * 7919) % OWNERS).padStart(5, '0')}`;
    const fail = !failing.delete(owner);
    if (fail) failing.add(owner);
    flip(full, owner, fail);
    await new Promise((r) => setTimeout(r, 1000 / RATE));
  }
  for (const owner of failing) flip(full, owner, false);
  return n + failing.size;
}

/** From navigation to the services view drawn (its first row, or its empty note), in the page's clock. */
async function firstRender(page: Page, address: string, selector: string): Promise<number> {
  await page.goto(`${address}/#/services`, { waitUntil: 'commit' });
  await page.waitForSelector(selector);
  return page.evaluate('performance.now()') as Promise<number>;
}

export async function main(): Promise<void> {
  const assets = path.join(WEB, 'assets');
  const gz = (f: string) => fs.statSync(path.join(assets, f)).size;
  const files = fs.readdirSync(assets).filter((f) => f.endsWith('.gz'));
  // The first load is the entry; chunks (xterm.js, for the terminal) load when their view opens.
  const js = files
    .filter((f) => f.endsWith('.js.gz') && !f.startsWith('chunk-'))
    .reduce((s, f) => s + gz(f), 0);
  const css = files.filter((f) => f.endsWith('.css.gz')).reduce((s, f) => s + gz(f), 0);
  const html = fs.statSync(path.join(WEB, 'index.html.gz')).size;

  const empty = await server(0);
  const full = await server(OWNERS);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const emptyMs: number[] = [];
    const fullMs: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      emptyMs.push(await firstRender(page, empty.address, '.empty'));
      fullMs.push(await firstRender(page, full.address, '[data-name="app-00000"]'));
    }
    // A task's state change → the event → the row's status in the DOM, with every owner listed.
    await page.waitForSelector('[data-name="app-00000"] .badge.s-ready');
    const latency: number[] = [];
    for (let i = 0; i < SAMPLES * 2; i++) {
      const failing = i % 2 === 0;
      const wanted = failing ? 's-deploying' : 's-ready';
      const seen = page
        .waitForSelector(`[data-name="app-00000"] .badge.${wanted}`)
        .then(() => page.evaluate('Date.now()'));
      const at = flip(full, 'app-00000', failing);
      latency.push(((await seen) as number) - at);
    }
    // Ten minutes of a busy pool's live updates: the heap must not keep what they brought.
    const cdp = await context.newCDPSession(page);
    const heapBefore = await heapMb(cdp);
    const changes = await liveUpdates(full, LIVE_S);
    await page.waitForSelector('[data-name="app-00000"] .badge.s-ready');
    await new Promise((r) => setTimeout(r, 2000));
    const heapAfter = await heapMb(cdp);
    report(`web console (${OWNERS} owners)`, [
      ['first load, gzipped: JS', `${(js / 1024).toFixed(1)} KB (goal ≤ 250 KB)`],
      ['first load, gzipped: CSS + HTML', `${((css + html) / 1024).toFixed(1)} KB`],
      [`services view drawn, ${OWNERS} owners (median of ${SAMPLES})`, ms(median(fullMs))],
      ['services view drawn, empty (baseline)', ms(median(emptyMs))],
      [`task state change → DOM, ${OWNERS} owners (median of ${latency.length})`, ms(median(latency))],
      ['JS heap before the live updates (after a GC)', `${heapBefore.toFixed(1)} MB`],
      [
        `JS heap after ${LIVE_S} s of live updates (${changes} state changes, after a GC)`,
        `${heapAfter.toFixed(1)} MB`,
      ],
      ['heap growth (goal ≤ 10 %)', `${((heapAfter / heapBefore - 1) * 100).toFixed(1)} %`],
    ]);
  } finally {
    await browser.close();
    await empty.close();
    await full.close();
  }
}
