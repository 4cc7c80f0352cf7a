import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { resolveBinary } from '../catalog/binaries.js';
import { FlotillaError } from '../core/errors.js';
import type { Engine } from '../drivers/docker/engine.js';
import { checkReference, imageExists, type OnProgress, sendTar, shareBuild } from './build.js';
import { BASE_IMAGE, DEBIAN_SUITE } from './layout.js';
import { TAIL_LINES } from './progress.js';
import { pullImage, pullLine } from './pull.js';

const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const DEBOOTSTRAP = { name: 'debootstrap', install: 'sudo apt-get install -y debootstrap' };

/**
 * The Debian mirror the base is bootstrapped from: FLOTILLA_DEBIAN_MIRROR, else the first one apt
 * uses on this machine (which works here, proxies and all), else Debian's CDN.
 */
export function debianMirror(env: NodeJS.ProcessEnv = process.env, sources = readAptSources()): string {
  if (env.FLOTILLA_DEBIAN_MIRROR) return env.FLOTILLA_DEBIAN_MIRROR;
  for (const raw of sources.split('\n')) {
    const line = raw.trim();
    const uris = /^URIs:\s*(\S+)/i.exec(line);
    // One-line style: `deb [arch=amd64 signed-by=…] http://… bookworm main`.
    const deb = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
    const url = uris?.[1] ?? deb?.[1];
    if (url && /^https?:\/\//.test(url)) return url.replace(/\/+$/, '');
  }
  return DEFAULT_MIRROR;
}

/** apt's sources in the order apt reads them: sources.list, then sources.list.d by name. */
function readAptSources(): string {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir).sort())
      if (f.endsWith('.list') || f.endsWith('.sources')) files.push(path.join(dir, f));
  }
  return files.map((f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '')).join('\n');
}

/** `host:5000/a/b:tag` → repo `host:5000/a/b`, tag `tag`; no tag → `latest`. */
export function splitReference(ref: string): { repo: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

/**
 * The base image, present when this returns: already there, pulled (a base the user named), or
 * built with debootstrap (ours). Concurrent callers share one build.
 */
export async function ensureBaseImage(
  engine: Engine,
  opts: { base?: string; onProgress?: OnProgress; env?: NodeJS.ProcessEnv } = {},
): Promise<{ name: string; built: boolean }> {
  const name = checkReference(opts.base ?? BASE_IMAGE);
  if (await imageExists(engine, name)) return { name, built: false };
  await shareBuild(engine, name, opts.onProgress, (progress) =>
    name === BASE_IMAGE
      ? buildBaseImage(engine, { name, onProgress: progress, ...(opts.env ? { env: opts.env } : {}) })
      : pullImage(engine, name, { onEvent: (e) => progress(pullLine(e)) }).then(() => undefined),
  );
  return { name, built: true };
}

/**
 * Bootstraps a minimal Debian into a temporary directory and imports it as `name`: no registry
 * needed, only a Debian mirror. debootstrap must run as root (it chroots and creates devices).
 */
export async function buildBaseImage(
  engine: Engine,
  opts: { name?: string; mirror?: string; onProgress?: OnProgress; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  const name = checkReference(opts.name ?? BASE_IMAGE);
  const onProgress = opts.onProgress ?? (() => undefined);
  const env = opts.env ?? process.env;
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) {
    throw new FlotillaError(
      'IMAGE_BUILD_FAILED',
      `building ${name} runs debootstrap, which needs root, and this daemon runs as uid ${uid}: build it once ` +
        `as root (sudo debootstrap --variant=minbase ${DEBIAN_SUITE} /tmp/rootfs && sudo tar -C /tmp/rootfs -c . ` +
        `| docker import - ${name}), or name a base image with --base or FLOTILLA_BASE_IMAGE`,
    );
  }
  const debootstrap = resolveBinary(DEBOOTSTRAP.name, DEBOOTSTRAP.install, env);
  const mirror = opts.mirror ?? debianMirror(env);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-base-'));
  const rootfs = path.join(tmp, 'rootfs');
  try {
    onProgress(`debootstrap --variant=minbase ${DEBIAN_SUITE} from ${mirror}`);
    const run = await runLines(debootstrap, ['--variant=minbase', DEBIAN_SUITE, rootfs, mirror], onProgress);
    if (run.code !== 0) {
      const log = path.join(rootfs, 'debootstrap', 'debootstrap.log');
      const more = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-TAIL_LINES) : [];
      throw new FlotillaError(
        'IMAGE_BUILD_FAILED',
        `debootstrap of ${DEBIAN_SUITE} from ${mirror} failed (exit ${run.code}; FLOTILLA_DEBIAN_MIRROR ` +
          `chooses another mirror); its last output:\n${[...run.tail, ...more].join('\n')}`,
        { image: name },
      );
    }
    prepareRootfs(rootfs);
    const { repo, tag } = splitReference(name);
    onProgress(`importing ${name}`);
    const result = await sendTar(
      engine,
      rootfs,
      {
        path: '/images/create',
        query: {
          fromSrc: '-',
          repo,
          tag,
          message: `debootstrap --variant=minbase ${DEBIAN_SUITE} ${mirror}`,
          changes: 'CMD ["/bin/bash"]',
        },
      },
      onProgress,
    );
    if (result.error !== undefined) {
      throw new FlotillaError('IMAGE_BUILD_FAILED', `importing ${name} failed: ${result.error}`, {
        image: name,
      });
    }
  } finally {
    removeTree(tmp, onProgress);
  }
}

/** What Docker's own Debian images do: no service starts during a build, no host files carried over. */
function prepareRootfs(rootfs: string): void {
  const policy = path.join(rootfs, 'usr/sbin/policy-rc.d');
  fs.writeFileSync(policy, '#!/bin/sh\n# No daemons start while an image is built.\nexit 101\n', {
    mode: 0o755,
  });
  for (const f of ['etc/resolv.conf', 'etc/hostname']) fs.rmSync(path.join(rootfs, f), { force: true });
  const archives = path.join(rootfs, 'var/cache/apt/archives');
  if (fs.existsSync(archives)) {
    for (const f of fs.readdirSync(archives)) if (f.endsWith('.deb')) fs.rmSync(path.join(archives, f));
  }
}

/**
 * Removes the temporary tree, first unmounting what a failed debootstrap may have left mounted in
 * it (/proc, /sys): a recursive delete must never walk into the host's /proc or /sys.
 */
function removeTree(dir: string, onProgress: OnProgress): void {
  const mounted = () =>
    fs
      .readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
      .filter((m) => m.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
  for (const m of mounted()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  const left = mounted();
  if (left.length > 0) {
    onProgress(`left ${dir} in place: ${left.join(', ')} still mounted`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Runs a program (no shell), passing each output line on; the exit code and the last lines. */
function runLines(
  file: string,
  args: string[],
  onLine: OnProgress,
): Promise<{ code: number | null; tail: string[] }> {
  return new Promise((resolve) => {
    const tail: string[] = [];
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (stream: NodeJS.ReadableStream) =>
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (raw: string) => {
        const line = raw.trimEnd();
        if (!line) return;
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        onLine(line);
      });
    take(child.stdout);
    take(child.stderr);
    child.on('error', (err) => {
      tail.push(err.message);
      resolve({ code: -1, tail });
    });
    child.on('close', (code) => resolve({ code, tail }));
  });
}
