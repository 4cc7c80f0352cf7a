import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../../src/drivers/docker/engine.js';
import { followProgress } from '../../src/images/progress.js';
import { urlBase64 } from '../../src/images/registry.js';

/**
 * A real image registry on loopback: Debian's `docker-registry` (the CNCF distribution registry),
 * run as a child of the test with its own config and storage in a temporary folder, never as the
 * system service. dockerd talks plain HTTP to registries on 127.0.0.0/8 without being told.
 */
export class TestRegistry {
  readonly dir: string;
  readonly address: string;
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly credentials?: { username: string; password: string },
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-registry-'));
    this.address = `127.0.0.1:${port}`;
  }

  /** Whether the registry program is installed (scripts/setup.sh installs docker-registry). */
  static available(): string | undefined {
    try {
      execFileSync('docker-registry', ['--version'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'SKIPPED, NO REGISTRY: apt-get install -y docker-registry (scripts/setup.sh installs it)';
    }
  }

  /** Starts one; with credentials, it asks for them (htpasswd, bcrypt). */
  static async start(credentials?: { username: string; password: string }): Promise<TestRegistry> {
    const reg = new TestRegistry(await freePort(), credentials);
    let auth = '';
    if (credentials) {
      const line = execFileSync('htpasswd', ['-Bbn', credentials.username, credentials.password], {
        encoding: 'utf8',
      });
      fs.writeFileSync(path.join(reg.dir, 'htpasswd'), line);
      auth = `auth:\n  htpasswd:\n    realm: flotilla-test\n    path: ${path.join(reg.dir, 'htpasswd')}\n`;
    }
    const config = path.join(reg.dir, 'config.yml');
    fs.writeFileSync(
      config,
      `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(reg.dir, 'data')}\n` +
        `http:\n  addr: ${reg.address}\n${auth}`,
    );
    const log = fs.openSync(path.join(reg.dir, 'registry.log'), 'a');
    reg.child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const deadline = Date.now() + 15_000;
    while (!(await answers(reg.address))) {
      if (Date.now() > deadline || reg.child.exitCode !== null) {
        await reg.stop();
        throw new Error(`the registry on ${reg.address} did not start: ${reg.log()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return reg;
  }

  log(): string {
    const file = path.join(this.dir, 'registry.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').slice(-2000) : '';
  }

  /** The X-Registry-Auth header for this registry (an empty one when it asks for nothing). */
  authHeader(): Record<string, string> {
    const body = this.credentials ? { ...this.credentials, serveraddress: this.address } : {};
    return { 'X-Registry-Auth': urlBase64(JSON.stringify(body)) };
  }

  /** Tags a local image into this registry as `repo:tag`, pushes it, and drops the local tag. */
  async push(engine: Engine, local: string, repo: string, tag = '1'): Promise<string> {
    const name = `${this.address}/${repo}`;
    await engine.json({ method: 'POST', path: `/images/${local}/tag`, query: { repo: name, tag } });
    const res = await engine.raw({
      method: 'POST',
      path: `/images/${name}/push`,
      query: { tag },
      headers: this.authHeader(),
    });
    const out = await followProgress(res);
    if (out.error) throw new Error(`pushing ${name}:${tag} failed: ${out.error}`);
    await engine.json({ method: 'DELETE', path: `/images/${name}:${tag}` });
    return `${name}:${tag}`;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A TCP port that accepts connections and never answers: a registry that hangs. */
export async function silentServer(): Promise<{ address: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`http://${address}/v2/`, (res) => {
      res.resume();
      resolve(res.statusCode === 200 || res.statusCode === 401);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

/**
 * An image of its own: flotilla/base:bookworm plus a layer of `bytes` random bytes, so that a pull
 * really downloads it. Built with the engine's /build from a temporary context.
 */
export async function buildUniqueImage(
  engine: Engine,
  tag: string,
  bytes: number,
  extra = '',
): Promise<void> {
  const { buildDirectory } = await import('../../src/images/build.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-unique-'));
  try {
    const fd = fs.openSync(path.join(dir, 'blob'), 'w');
    const chunk = 4 << 20;
    for (let left = bytes; left > 0; left -= chunk)
      fs.writeSync(fd, randomFillSync(Buffer.allocUnsafe(Math.min(chunk, left))));
    fs.closeSync(fd);
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM flotilla/base:bookworm\nCOPY blob /blob\n${extra}`);
    await buildDirectory(engine, dir, tag);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes images by name, ignoring those already gone. */
export async function removeImages(engine: Engine, names: string[]): Promise<void> {
  for (const n of names)
    await engine.json({ method: 'DELETE', path: `/images/${n}`, query: { force: 1 } }).catch(() => undefined);
}
