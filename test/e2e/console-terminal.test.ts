import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FlotillaClient } from '../../src/client/client.js';
import { launchChromium, shotsDir, watchErrors } from '../helpers/browser.js';
import { dockerEngine } from '../helpers/docker.js';
import { TestHome, isAlive, waitFor } from '../helpers/flotilla.js';

const SHELLS = `name: shells
apps:
  web:
    cmd: exec sleep 600
    instances: 2
    cpus: 0.1
    mem: 16
    env:
      GREETING: hello-from-the-task
`;

const probe = await dockerEngine();
if ('skip' in probe) console.error(`docker terminal case: ${probe.skip}`);

/** The user name of a uid, as the system knows it. */
function userName(pid: number): string {
  const uid = /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
  return execFileSync('id', ['-un', uid], { encoding: 'utf8' }).trim();
}

/**
 * The terminal into a task, in real Chromium against a real daemon: a tenant admin opens it from the
 * task's row, runs commands and reads their output in xterm.js; the shell runs as the task's
 * tenant user in its sandbox with its environment (process driver) or inside its container (Docker
 * driver); its exit is shown; leaving the page ends it; a viewer is refused with a code.
 */
describe('web console: terminal into a task', () => {
  const home = new TestHome();
  let browser: Browser;
  let address: string;
  let adminTok: string;
  let viewerTok: string;
  const contexts: BrowserContext[] = [];
  const shots = shotsDir();

  before(async () => {
    await home.ok(['tenant', 'create', 'teal']);
    adminTok = (await home.ok(['token', 'create', '--tenant', 'teal', '--role', 'tenant-admin'])).trim();
    viewerTok = (await home.ok(['token', 'create', '--tenant', 'teal', '--role', 'tenant-viewer'])).trim();
    const file = path.join(home.home, 'shells.yml');
    fs.writeFileSync(file, SHELLS);
    home.env.FLOTILLA_TOKEN = adminTok;
    await home.ok(['up', '-f', file, '--wait', '--timeout', '60']);
    delete home.env.FLOTILLA_TOKEN;
    address = home.daemonInfo()!.address;
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    assert.equal(await home.cleanup(), 0);
    if ('engine' in probe) probe.engine.close();
  });

  async function login(token: string): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${address}/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Services and apps' }).waitFor();
    return { page, errors };
  }

  /** The terminal's screen, one string a row (xterm.js draws spaces as no-break spaces). */
  const screen = async (page: Page): Promise<string> =>
    (await page.locator('.xterm-rows > div').allTextContents())
      .map((r) => r.replace(/\u00a0/g, ' '))
      .join('\n');
  async function expectScreen(page: Page, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    let m: RegExpExecArray | null = null;
    await waitFor(async () => (m = pattern.exec(await screen(page))) !== null, timeoutMs).catch(async () => {
      throw new Error(`no ${pattern} on the terminal:\n${await screen(page)}`);
    });
    return m!;
  }
  async function typeLine(page: Page, line: string): Promise<void> {
    await page.locator('.xterm-screen').click();
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }

  it("opens a shell from the task's row and runs commands as the task's user, in its sandbox and environment", async () => {
    const { page, errors } = await login(adminTok);
    await page.goto(`${address}/#/services/web/app`);
    await page.getByRole('link', { name: 'Terminal of web.0' }).click();
    await page.getByTestId('terminal-status').filter({ hasText: 'Connected' }).waitFor({ timeout: 15_000 });
    const task = await home.client().getTask('teal/web.0');
    await typeLine(page, 'clear; echo "task=$FLOTILLA_TASK $GREETING"; id -un; pwd');
    await expectScreen(page, /task=teal\/web\.0 hello-from-the-task/);
    const user = userName(task.pid!);
    if (process.getuid?.() === 0)
      assert.match(user, /^flt-teal-/, "as root the daemon runs tenants' tasks as their users");
    await expectScreen(page, new RegExp(`^${user}$`, 'm'));
    await expectScreen(page, new RegExp(`^${task.sandbox.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    await page.screenshot({ path: path.join(shots, 'terminal.png') });

    // Its exit is shown; Reconnect opens a new shell.
    await typeLine(page, 'exit 3');
    await page.getByTestId('terminal-status').filter({ hasText: 'The shell exited with status 3' }).waitFor();
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await page.getByTestId('terminal-status').filter({ hasText: 'Connected' }).waitFor({ timeout: 15_000 });

    // Leaving the page closes the socket, and the shell with what it started.
    await typeLine(page, 'sleep 600 & echo "bg=$! shell=$$"');
    const [, bg, shell] = await expectScreen(page, /bg=(\d+) shell=(\d+)/);
    assert.ok(isAlive(Number(bg)) && isAlive(Number(shell)));
    await page.getByRole('link', { name: /← web/ }).click();
    await page.getByRole('heading', { name: 'web' }).waitFor();
    await waitFor(() => !isAlive(Number(bg)) && !isAlive(Number(shell)), 10_000);
    assert.equal((await home.client().getTask('teal/web.0')).state, 'running', 'the task runs on');
    assert.deepEqual(errors, []);
  });

  it('refuses a viewer with its code', async () => {
    const { page } = await login(viewerTok);
    await page.goto(`${address}/#/terminal/web.0`);
    await page.getByRole('alert').filter({ hasText: 'PERMISSION_DENIED' }).waitFor();
    await page.getByTestId('terminal-status').filter({ hasText: 'Disconnected' }).waitFor();
  });

  it(
    "opens a shell inside a Docker task's container",
    { skip: 'skip' in probe ? probe.skip : undefined },
    async () => {
      const teal = new FlotillaClient(address, { token: adminTok });
      await teal.addApp({
        id: '/box',
        cmd: 'exec sleep 600',
        instances: 1,
        cpus: 0.1,
        mem: 32,
        env: { GREETING: 'hello-from-the-container' },
        container: { type: 'DOCKER', docker: { image: 'flotilla/base:bookworm', network: 'BRIDGE' } },
      });
      const task = await waitFor(async () => {
        const t = await teal.getTask('box.0').catch(() => null);
        return t?.state === 'running' ? t : null;
      }, 120_000);
      assert.equal(task.driver, 'docker');
      const { page, errors } = await login(adminTok);
      await page.goto(`${address}/#/terminal/box.0`);
      await page
        .getByTestId('terminal-status')
        .filter({ hasText: 'docker driver' })
        .waitFor({ timeout: 15_000 });
      await typeLine(page, 'echo "in=$(hostname) $GREETING"; cat /etc/debian_version');
      const [, hostname] = await expectScreen(page, /in=(\S+) hello-from-the-container/);
      const engine = 'engine' in probe ? probe.engine : null;
      const inspected = await engine!.json<{ Config: { Hostname: string } }>({
        path: `/containers/${task.containerId}/json`,
      });
      assert.equal(hostname, inspected.Config.Hostname, `the shell runs in container ${task.containerId}`);
      await typeLine(page, 'exit');
      await page
        .getByTestId('terminal-status')
        .filter({ hasText: 'The shell exited with status 0' })
        .waitFor();

      // Leaving the page ends the exec's shell and what it started inside the container.
      await page.getByRole('button', { name: 'Reconnect' }).click();
      await page.getByTestId('terminal-status').filter({ hasText: 'Connected' }).waitFor({ timeout: 15_000 });
      await typeLine(page, 'sleep 777 & echo "started=$!"');
      await expectScreen(page, /started=\d+/);
      const top = async () =>
        (
          await engine!.json<{ Processes: string[][] }>({ path: `/containers/${task.containerId}/top` })
        ).Processes.map((p) => p.join(' '));
      assert.ok((await top()).some((p) => p.includes('sleep 777')));
      await page.getByRole('link', { name: /← box/ }).click();
      await page.getByRole('heading', { name: 'box' }).waitFor();
      await waitFor(
        async () => !(await top()).some((p) => p.includes('sleep 777') || p.includes('bash -i')),
        10_000,
      );
      assert.equal((await teal.getTask('box.0')).state, 'running', 'the container runs on');
      assert.deepEqual(errors, []);
    },
  );
});
