import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, shotsDir, watchErrors } from '../helpers/browser.js';
import { TestHome, adminToken, waitFor } from '../helpers/flotilla.js';

const TICKER = `apps:
  ticker:
    cmd: while true; do echo tick; sleep 1; done
    instances: 2
    cpus: 0.1
    mem: 16
`;

/**
 * The web console in real Chromium against a real daemon with real Redis tasks: two tenants, each
 * logged in with its own token, one browser for the file and a fresh context (no shared storage) per
 * person.
 */
describe('web console', () => {
  const home = new TestHome();
  let browser: Browser;
  let address: string;
  let blueToken: string;
  let greenToken: string;
  const shots = shotsDir();
  const contexts: BrowserContext[] = [];

  before(async () => {
    // A fixed address, so the page keeps its origin when the daemon is stopped and started again.
    home.env.FLOTILLA_LISTEN = await addressOfItsOwn();
    await home.ok(['tenant', 'create', 'blue']);
    await home.ok(['tenant', 'create', 'green']);
    blueToken = (await home.ok(['token', 'create', '--tenant', 'blue', '--role', 'tenant-admin'])).trim();
    greenToken = (await home.ok(['token', 'create', '--tenant', 'green', '--role', 'tenant-admin'])).trim();
    address = home.daemonInfo()!.address;
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    assert.equal(await home.cleanup(), 0);
  });

  async function open(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    return { page, errors: watchErrors(page) };
  }

  async function login(page: Page, token: string): Promise<void> {
    await page.goto(`${address}/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Services and apps' }).waitFor();
  }

  const shot = (page: Page, name: string, fullPage = false) =>
    page.screenshot({ path: path.join(shots, `${name}.png`), fullPage });

  let blue: Page;
  let blueErrors: string[];

  it('refuses a bad token with its code, then logs in with a tenant token', async () => {
    ({ page: blue, errors: blueErrors } = await open());
    await blue.goto(`${address}/`);
    await blue.getByLabel('API token').fill('flt_0000000000000000_nope');
    await blue.getByRole('button', { name: 'Log in' }).click();
    await blue.getByRole('alert').filter({ hasText: 'UNAUTHENTICATED' }).waitFor();
    await shot(blue, 'login');
    await login(blue, blueToken);
    assert.equal(await blue.getByTestId('tenant').textContent(), 'blue');
  });

  it('installs Redis from the catalog form, after a schema validation message, and sees it go healthy live', async () => {
    await blue.getByRole('link', { name: 'Catalog' }).click();
    await blue.getByRole('link', { name: 'Install redis' }).click();
    await blue.getByLabel('Service name').fill('cache');
    await blue.getByRole('textbox', { name: 'mem', exact: true }).fill('8');
    await blue.getByRole('textbox', { name: 'maxmemory', exact: true }).fill('lots');
    await blue.getByRole('button', { name: 'Install redis' }).click();
    await blue.getByText('mem must be at least 16').waitFor();
    await blue.getByText(/maxmemory must match/).waitFor();
    await blue.evaluate('window.scrollTo(0, 0)');
    await shot(blue, 'catalog-install-validation', true);
    // Nothing was sent: the daemon knows no service.
    const client = home.client();
    assert.deepEqual(
      (await client.listWorkloads()).rows.filter((r) => r.name === 'cache'),
      [],
      'the admin (default tenant) sees nothing either',
    );
    await blue.getByRole('textbox', { name: 'mem', exact: true }).fill('64');
    await blue.getByRole('textbox', { name: 'maxmemory', exact: true }).fill('32mb');
    await blue.getByRole('button', { name: 'Install redis' }).click();
    await blue.getByRole('heading', { name: 'cache' }).waitFor();
    // Live: the page turns healthy from the event stream, without a reload.
    await blue
      .locator('tr[data-task="cache.redis-0"] [data-testid="health"]', { hasText: 'healthy' })
      .waitFor({
        timeout: 60_000,
      });
    await blue.locator('.badge.s-ready').first().waitFor({ timeout: 30_000 });
    await blue.locator('pre.log', { hasText: 'Ready to accept connections' }).waitFor({ timeout: 30_000 });
    await shot(blue, 'service', true);
  });

  it('kills the task from the console and watches it heal; the log follows the new run', async () => {
    const row = blue.locator('tr[data-task="cache.redis-0"]');
    const launches = row.getByTestId('launches');
    const before = Number(await launches.textContent());
    const pid = (await home.client().getTask('blue/cache.redis-0')).pid;
    await blue.getByRole('button', { name: 'Kill cache.redis-0' }).click();
    await launches.filter({ hasText: String(before + 1) }).waitFor({ timeout: 30_000 });
    await row.locator('[data-testid="health"]', { hasText: 'healthy' }).waitFor({ timeout: 60_000 });
    await blue.locator('.badge.s-ready').first().waitFor({ timeout: 30_000 });
    assert.notEqual((await home.client().getTask('blue/cache.redis-0')).pid, pid, 'a new process');
    // The followed log shows the relaunched server starting again.
    // Polled from here: the console's CSP (script-src 'self') forbids the string a page-side poll evaluates.
    await waitFor(
      async () =>
        (((await blue.locator('pre.log').textContent()) ?? '').match(/Ready to accept connections/g)
          ?.length ?? 0) >= 2,
      30_000,
      'the log to show the second start',
    );
    await blue.getByRole('link', { name: 'Events' }).click();
    await blue.getByLabel('Filter by service or app').fill('cache');
    await blue.locator('tr[data-event]', { hasText: 'killed' }).first().waitFor({ timeout: 15_000 });
    await shot(blue, 'events');
  });

  it('applies a stack file through the Stacks view after seeing its plan', async () => {
    await blue.getByRole('link', { name: 'Stacks' }).click();
    await blue.getByLabel('Stack name').fill('ticks');
    await blue.getByLabel('Or paste it').fill(TICKER);
    assert.equal(
      await blue.getByRole('button', { name: 'Apply' }).isDisabled(),
      true,
      'apply waits for the plan',
    );
    await blue.getByRole('button', { name: 'Show the plan' }).click();
    const plan = blue.getByLabel('Plan');
    await plan.locator('li[data-owner="ticker"]', { hasText: 'added' }).waitFor();
    assert.match((await plan.textContent()) ?? '', /ticker\.0: create on node-\d/);
    await shot(blue, 'stacks-plan', true);
    await blue.getByRole('button', { name: 'Apply' }).click();
    await blue.getByRole('status').filter({ hasText: 'created ticker' }).waitFor();
    await blue.locator('tr[data-stack="ticks"] .badge.s-ready').waitFor({ timeout: 30_000 });
    await shot(blue, 'stacks');
    await blue.getByRole('link', { name: 'Services' }).click();
    await blue.locator('[data-name="ticker"]', { hasText: '2 / 2' }).waitFor({ timeout: 15_000 });
    await blue.getByLabel('Search by name, package or stack').fill('tick');
    await blue.getByTestId('count').filter({ hasText: '1 row' }).waitFor();
    await blue.getByLabel('Search by name, package or stack').fill('');
    await blue.getByTestId('count').filter({ hasText: '2 rows' }).waitFor();
    await shot(blue, 'services');
    await blue.getByRole('link', { name: 'Nodes' }).click();
    await blue.locator('.card.node li', { hasText: 'cache.redis-0' }).waitFor();
    await shot(blue, 'nodes');
    await blue.getByRole('link', { name: 'Tenants & usage' }).click();
    await blue.locator('tr[data-tenant="blue"]').waitFor();
    await blue.getByRole('table', { name: 'Usage' }).locator('tr', { hasText: 'cache' }).waitFor();
    await shot(blue, 'tenants');
    assert.deepEqual(blueErrors, []);
  });

  it("shows a second tenant none of the first tenant's services, tasks, events or usage", async () => {
    const { page: green, errors } = await open();
    await login(green, greenToken);
    assert.equal(await green.getByTestId('tenant').textContent(), 'green');
    await green.getByTestId('count').filter({ hasText: '0 rows' }).waitFor();
    await green.getByRole('link', { name: 'Events' }).click();
    await green.getByRole('status').filter({ hasText: 'live' }).waitFor();
    assert.equal(await green.locator('tr[data-event]').count(), 0);
    await green.getByRole('link', { name: 'Nodes' }).click();
    await green.locator('.card.node').first().waitFor();
    assert.equal(await green.locator('.card.node li').count(), 0, "no task of blue's on any node");
    await green.getByRole('link', { name: 'Tenants & usage' }).click();
    await green.getByRole('table', { name: 'Usage' }).waitFor();
    assert.doesNotMatch(
      (await green.getByRole('table', { name: 'Usage' }).textContent()) ?? '',
      /cache|ticker/,
    );
    assert.equal(await green.locator('tr[data-tenant="blue"]').count(), 0);
    // Forcing a URL to blue's service: a clear refusal with its code, never blue's data.
    for (const forced of ['cache', 'blue%2Fcache']) {
      await green.goto(`${address}/#/services/${forced}`);
      const alert = green.getByRole('alert');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /NOT_FOUND/);
      assert.equal(await green.locator('tr[data-task]').count(), 0);
    }
    await shot(green, 'refusal');
    // Logging out forgets the token: a reload asks for one again.
    await green.goto(`${address}/#/services`);
    await green.getByRole('button', { name: 'Log out' }).click();
    await green.getByLabel('API token').waitFor();
    await green.reload();
    await green.getByLabel('API token').waitFor();
    assert.equal(await green.evaluate("localStorage.getItem('flotilla.token')"), null);
    assert.deepEqual(errors, []);
  });

  it('lets a cluster admin switch tenants', async () => {
    const { page, errors } = await open();
    await login(page, adminToken(home.home));
    const select = page.getByLabel('Act for tenant');
    await select.selectOption('blue');
    await page.locator('[data-name="cache"]').waitFor();
    await select.selectOption('green');
    await page.getByTestId('count').filter({ hasText: '0 rows' }).waitFor();
    assert.deepEqual(errors, []);
  });

  it('shows a reconnect banner while the daemon is away, and catches up from the events it missed', async () => {
    await blue.goto(`${address}/#/services/cache`);
    const row = blue.locator('tr[data-task="cache.redis-0"]');
    await row.locator('[data-testid="health"]', { hasText: 'healthy' }).waitFor({ timeout: 30_000 });
    const launches = Number(await row.getByTestId('launches').textContent());
    await home.ok(['daemon', 'stop']);
    await blue.getByText('Reconnecting to the daemon').waitFor({ timeout: 15_000 });
    await shot(blue, 'reconnecting');
    // The tasks kept running; the next daemon adopts them and the page comes back by itself.
    await home.ok(['daemon', 'start']);
    await blue.getByText('Reconnecting to the daemon').waitFor({ state: 'detached', timeout: 30_000 });
    await home.client().killTask('blue/cache.redis-0');
    await row
      .getByTestId('launches')
      .filter({ hasText: String(launches + 1) })
      .waitFor({ timeout: 30_000 });
    await row.locator('[data-testid="health"]', { hasText: 'healthy' }).waitFor({ timeout: 60_000 });
    assert.deepEqual(blueErrors, []);
  });
});

/**
 * A free port on a loopback address of this test's own (127.0.250.N), found by binding port 0 there
 * and closing. Not on 127.0.0.1: between the close and the daemon's listen, any of the daemons of
 * the test files running beside this one (each binding 127.0.0.1:0) could be handed the same port,
 * as one was in CI (EADDRINUSE).
 */
function addressOfItsOwn(): Promise<string> {
  const host = `127.0.250.${2 + Math.floor(Math.random() * 252)}`;
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(`${host}:${port}`));
    });
    server.on('error', reject);
  });
}
