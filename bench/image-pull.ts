import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Engine } from '../src/drivers/docker/engine.js';
import { pullImage } from '../src/images/pull.js';
import { dockerEngine } from '../test/helpers/docker.js';
import { buildUniqueImage, removeImages, TestRegistry } from '../test/helpers/registry.js';
import { median, ms, report, TestHome, timed } from './util.js';

const exec = promisify(execFile);

/**
 * The pull of a ~200 MB image from a registry on loopback (Debian's docker-registry) through
 * Flotilla against `docker pull` of the same image, rounds interleaved, the image removed before
 * each pull: `flotilla images pull` (a CLI process, the API's NDJSON stream, the engine's pull), and
 * the library's pullImage alone. The image is flotilla/base:bookworm plus one layer of random bytes,
 * so every pull downloads and extracts that layer.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BYTES = Number(process.env.BENCH_PULL_MB ?? 200) * 1e6;

export async function main(): Promise<void> {
  const probe = await dockerEngine();
  const missing = TestRegistry.available();
  if ('skip' in probe || missing) {
    console.error(`image-pull: ${'skip' in probe ? probe.skip : missing}`);
    return;
  }
  const engine: Engine = probe.engine;
  const registry = await TestRegistry.start();
  const home = new TestHome({ driver: 'docker' });
  const local = `flotilla-bench-pull:${process.pid}`;
  let image = '';
  const byDocker: number[] = [];
  const byCli: number[] = [];
  const byLibrary: number[] = [];
  try {
    await buildUniqueImage(engine, local, BYTES);
    image = await registry.push(engine, local, 'bench/pull');
    await removeImages(engine, [local]);
    await home.ok(['daemon', 'start']);
    const fresh = async (fn: () => Promise<unknown>) => {
      await removeImages(engine, [image]);
      const [t] = await timed(fn);
      return t;
    };
    // One warm-up of each side: the registry's files reach the page cache.
    await fresh(() => exec('docker', ['pull', '-q', image]));
    await fresh(() => home.ok(['images', 'pull', image], 600_000));
    for (let i = 0; i < ROUNDS; i++) {
      byDocker.push(await fresh(() => exec('docker', ['pull', '-q', image])));
      byCli.push(await fresh(() => home.ok(['images', 'pull', image], 600_000)));
      byLibrary.push(await fresh(() => pullImage(engine, image)));
    }
  } finally {
    await removeImages(engine, [image, local].filter(Boolean));
    await home.cleanup();
    await registry.stop();
    engine.close();
  }
  report(
    `image-pull: ${(BYTES / 1e6).toFixed(0)} MB layer from a loopback registry, ${ROUNDS} rounds interleaved (medians)`,
    [
      ['docker pull (the Docker CLI)', ms(median(byDocker))],
      ['flotilla images pull (CLI, API, engine)', ms(median(byCli))],
      ['ratio flotilla images pull / docker pull', (median(byCli) / median(byDocker)).toFixed(2)],
      ['pullImage (library, no CLI)', ms(median(byLibrary))],
      ['ratio pullImage / docker pull', (median(byLibrary) / median(byDocker)).toFixed(2)],
    ],
  );
}
