import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlotillaClient } from '../src/client/client.js';
import { FlotillaError } from '../src/core/errors.js';
import { startDaemon, type RunningDaemon } from '../src/daemon/daemon.js';
import { mountSource } from '../src/isolation/data-volume.js';
import { forgetHome } from '../src/isolation/forget.js';
import { rawRequest } from './helpers/daemon.js';
import { adminToken, REPO, waitFor } from './helpers/flotilla.js';

const root = process.getuid?.() === 0;
const MB = 1024 * 1024;

const rejects = (p: Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(p, (err: FlotillaError) => {
    assert.ok(err instanceof FlotillaError, String(err));
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });

/** A PUT whose path is sent exactly as written (no URL normalisation of dot segments). */
function rawPut(address: string, rawPath: string, token: string, body: Buffer) {
  return rawRequest(new URL(address), 'PUT', body, token, {
    contentType: 'application/octet-stream',
    path: rawPath,
  });
}

/**
 * The data folder's size is a file system of its own (a loop-mounted ext4 image), owned by the
 * tenant's user: a task's writes and an upload past it fail with ENOSPC / DATA_QUOTA_EXCEEDED, and
 * nothing else — the file it was to replace, another tenant's folder, the home — is harmed. Root only.
 */
describe('data folders: size, uploads, path safety (root)', { skip: !root && 'needs root' }, () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-data-'));
  const lo = 26000 + Math.floor(Math.random() * 20) * 100;
  const config = {
    home,
    host: '127.0.0.1',
    port: 0,
    portRange: [lo, lo + 99] as [number, number],
    nodes: 2,
    nodeOffer: { cpus: 2, mem: 2048, disk: 10240, ports: 50, labels: {} },
    auth: true,
    dns: { host: '127.0.0.1', port: 0 },
    artifactsDir: null,
  };
  let daemon: RunningDaemon;
  let acme: FlotillaClient;
  let other: FlotillaClient;
  let acmeToken = '';
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-outside-'));
  const dataOf = (t: string) => path.join(home, 'data', t);

  const start = async () => {
    daemon = await startDaemon(config, () => undefined);
    const admin = new FlotillaClient(daemon.info.address, { token: adminToken(home) });
    return admin;
  };

  before(async () => {
    const admin = await start();
    await admin.createTenant({ name: 'acme' });
    await admin.createTenant({ name: 'other' });
    const token = async (tenant: string) =>
      (
        await new FlotillaClient(daemon.info.address, { token: adminToken(home), tenant }).createToken(
          'tenant-admin',
          'test',
        )
      ).token;
    acmeToken = await token('acme');
    acme = new FlotillaClient(daemon.info.address, { token: acmeToken });
    other = new FlotillaClient(daemon.info.address, { token: await token('other') });
  });
  after(async () => {
    // Whatever failed before, the home's users, mounts and folders go.
    await daemon?.stop(true).catch((err: unknown) => console.error(`daemon stop: ${String(err)}`));
    await forgetHome(home);
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it("uploads a file as the tenant's user and lists it", async () => {
    const up = await acme.uploadData('in/words.txt', Buffer.from('spark kafka spark\n'));
    assert.deepEqual(up, { path: 'in/words.txt', bytes: 18 });
    const file = path.join(dataOf('acme'), 'in', 'words.txt');
    assert.equal(fs.readFileSync(file, 'utf8'), 'spark kafka spark\n');
    const uid = Number(execFileSync('id', ['-u', (await acme.getTenant('acme')).user!]).toString());
    assert.equal(fs.statSync(file).uid, uid, "written as the tenant's user");
    const view = await acme.dataFolder();
    assert.equal(view.path, dataOf('acme'));
    assert.equal(view.sizeMb, null);
    assert.deepEqual(
      view.entries.map((e) => [e.path, e.kind, e.bytes]),
      [
        ['in', 'dir', 0],
        ['in/words.txt', 'file', 18],
      ],
    );
    assert.deepEqual((await other.dataFolder()).entries, [], "another tenant's folder is its own");
  });

  it('refuses paths out of the folder, and a symbolic link on the way', async () => {
    const dotted = await rawPut(
      daemon.info.address,
      '/v1/data/in/%2E%2E/%2E%2E/escape.txt',
      acmeToken,
      Buffer.from('x'),
    );
    assert.equal(dotted.status, 400);
    assert.equal((JSON.parse(dotted.body) as { code: string }).code, 'DATA_PATH_INVALID');
    fs.symlinkSync(outside, path.join(dataOf('acme'), 'out'));
    await rejects(acme.uploadData('out/x.txt', Buffer.from('x')), 'DATA_PATH_INVALID', /symbolic link/);
    await rejects(acme.uploadData('in/words.txt/x', Buffer.from('x')), 'DATA_PATH_INVALID', /not a folder/);
    await rejects(acme.uploadData('lost+found/x', Buffer.from('x')), 'DATA_PATH_INVALID');
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing reached the outside');
    fs.unlinkSync(path.join(dataOf('acme'), 'out'));
  });

  it('gives the folder a size: what it held is kept, a task writing past it gets ENOSPC', async () => {
    const view = await acme.setDataSize(16);
    assert.equal(view.sizeMb, 16);
    assert.ok(view.totalBytes <= 16 * MB && view.totalBytes > 12 * MB, `total ${view.totalBytes}`);
    assert.match(mountSource(dataOf('acme')) ?? '', /^\/dev\/loop/);
    assert.equal(
      fs.readFileSync(path.join(dataOf('acme'), 'in', 'words.txt'), 'utf8'),
      'spark kafka spark\n',
    );
    assert.equal((await acme.getTenant('acme')).quota?.data, 16);
    await acme.addApp({
      id: '/fill',
      cmd: 'dd if=/dev/zero of="$FLOTILLA_DATA/fill" bs=1M count=32; echo "dd exit $?"; exec sleep 600',
      instances: 1,
      cpus: 0.1,
      mem: 32,
    });
    // The task's dd says why it stopped (stderr) and how it exited (stdout); the app goes after.
    const logs = await waitFor(async () => {
      const err = await acme.logs('fill.0', { stream: 'stderr' }).catch(() => '');
      const out = await acme.logs('fill.0').catch(() => '');
      return /dd exit/.test(out) ? { err, out } : null;
    }, 120_000).finally(() => acme.removeApp('fill', true).catch(() => undefined));
    assert.match(logs.err, /No space left on device/);
    assert.match(logs.out, /dd exit 1/);
    const filled = fs.statSync(path.join(dataOf('acme'), 'fill')).size;
    assert.ok(filled < 16 * MB, `the task wrote ${filled} bytes, less than the size`);
    // Nothing else is harmed: another tenant writes, and the home's file system has room.
    await other.uploadData('fine.bin', Buffer.alloc(2 * MB, 1));
    assert.ok(fs.statfsSync(home).bavail * fs.statfsSync(home).bsize > 64 * MB);
  });

  it('refuses an upload past the size, and the file it would replace stays', async () => {
    await rejects(acme.uploadData('in/words.txt', Buffer.alloc(20 * MB, 7)), 'DATA_QUOTA_EXCEEDED', /free/);
    assert.equal(
      fs.readFileSync(path.join(dataOf('acme'), 'in', 'words.txt'), 'utf8'),
      'spark kafka spark\n',
    );
    // A body without a length is refused by the file system itself, mid-stream.
    fs.rmSync(path.join(dataOf('acme'), 'fill'));
    fs.writeFileSync(path.join(dataOf('acme'), 'ballast'), Buffer.alloc(10 * MB));
    await rejects(
      acme.uploadData('in/words.txt', new Blob([Buffer.alloc(8 * MB, 7)])),
      'DATA_QUOTA_EXCEEDED',
    );
    assert.equal(
      fs.readFileSync(path.join(dataOf('acme'), 'in', 'words.txt'), 'utf8'),
      'spark kafka spark\n',
    );
    assert.deepEqual(
      fs.readdirSync(path.join(dataOf('acme'), 'in')),
      ['words.txt'],
      'no temporary file left behind',
    );
  });

  it('grows, never shrinks, and is mounted again by a restarted daemon', async () => {
    await rejects(acme.setDataSize(8), 'DATA_QUOTA_SHRINK');
    const grown = await acme.setDataSize(48);
    assert.ok(grown.totalBytes > 40 * MB, `total ${grown.totalBytes}`);
    await acme.uploadData('big.bin', Buffer.alloc(20 * MB, 3));
    await daemon.stop(true);
    execFileSync('umount', [dataOf('acme')]);
    assert.equal(mountSource(dataOf('acme')), null);
    await start();
    acme = new FlotillaClient(daemon.info.address, { token: acmeToken });
    const view = await acme.dataFolder();
    assert.equal(view.sizeMb, 48);
    assert.ok(view.entries.some((e) => e.path === 'big.bin' && e.bytes === 20 * MB));
  });

  it('goes with its tenant: unmounted, its image removed', async () => {
    const admin = new FlotillaClient(daemon.info.address, { token: adminToken(home) });
    await admin.removeTenant('acme');
    assert.equal(mountSource(dataOf('acme')), null);
    assert.equal(fs.existsSync(path.join(home, 'volumes', 'acme.img')), false);
    assert.equal(fs.existsSync(dataOf('acme')), false);
  });
});

describe('data folder size without root', () => {
  it('is refused with a coded error that says it needs root', () => {
    const script = `import('${path.join(REPO, 'dist/src/isolation/data-volume.js')}').then((m) => {
      try { m.DataVolumes.check(); console.log('none'); } catch (e) { console.log(e.code + ' ' + e.message); }
    })`;
    const run = root
      ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script]]
      : [process.execPath, ['-e', script]];
    const out = execFileSync(run[0] as string, run[1] as string[]).toString();
    assert.match(out, /^DATA_QUOTA_UNAVAILABLE .*only a daemon run as root/);
  });
});
