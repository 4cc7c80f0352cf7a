import type { Command } from 'commander';
import type { PullEvent } from '../../core/streams.js';
import { PullProgress } from '../pull-progress.js';
import { callerRegistryAuth } from '../docker-auth.js';
import { context } from '../context.js';
import { age, printFields, printTable, spinner, truncate } from '../output.js';

/** `flotilla images build|pull|list`: the Docker driver's runtime images. */
export function registerImagesCommands(images: Command): void {
  images
    .command('build')
    .description(
      "build the Docker driver's runtime images that are missing: the base (debootstrap, as root), then " +
        "each package's (none named: every package the catalog can image)",
    )
    .argument('[packages...]', 'packages, optionally with @version (redis kafka@3.9.1)')
    .option('--base <image>', 'build on this image instead of flotilla/base:bookworm (pulled when missing)')
    .option('--verbose', 'print every line of the build output')
    .action(async (packages: string[], opts: { base?: string; verbose?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const client = await ctx.client();
      const spin = opts.verbose ? undefined : spinner('building images');
      // A line of its own above the spinner, which redraws below it on its next frame.
      const say = (text: string) =>
        process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}${text}\n`);
      try {
        const result = await client.buildImages(
          { ...(packages.length ? { packages } : {}), ...(opts.base ? { base: opts.base } : {}) },
          (line) => {
            if (line.type === 'start') {
              for (const s of line.skipped ?? []) say(`skipped ${s.package} ${s.version}: ${s.reason}`);
            }
            if (line.type === 'progress') {
              if (opts.verbose) say(`${line.image}: ${line.line}`);
              else spin?.update(`${line.image}: ${truncate(line.line ?? '', 70)}`);
            }
            if (line.type === 'image') {
              const how = line.built ? `built in ${(line.seconds ?? 0).toFixed(0)}s` : 'present';
              say(`${line.image}: ${how}`);
            }
          },
        );
        spin?.stop();
        ctx.emit(result, (r) =>
          printFields([
            ['built', (r.builtImages ?? []).join(' ') || '-'],
            ['present', (r.presentImages ?? []).join(' ') || '-'],
          ]),
        );
      } finally {
        spin?.stop();
      }
    });

  images
    .command('pull')
    .description(
      'pull images through the Docker engine, from Docker Hub or the registry each names, with the ' +
        "credentials of your ~/.docker/config.json (or $DOCKER_CONFIG), else the daemon user's; layer progress as it goes",
    )
    .argument('<images...>', 'image references (redis:7, 127.0.0.1:5000/team/app:1.0)')
    .option('--missing', 'pull only the images the engine does not hold')
    .option('--verbose', 'print every status line of every layer')
    .action(async (refs: string[], opts: { missing?: boolean; verbose?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const client = await ctx.client();
      const progress = new PullProgress(opts.verbose);
      try {
        const result = await client.pullImages(
          { images: refs, ...(opts.missing ? { policy: 'missing' as const } : {}), ...callerRegistryAuth() },
          (line) => {
            if (line.type === 'progress' && line.image)
              progress.event({ image: line.image, status: line.status ?? '', ...pick(line) });
            if (line.type === 'image') {
              const how = line.pulled
                ? `pulled from ${line.registry} in ${(line.seconds ?? 0).toFixed(1)}s (${line.layers} layers, ` +
                  `${((line.bytes ?? 0) / 1e6).toFixed(1)} MB)`
                : 'present';
              progress.say(`${line.image}: ${how}`);
            }
          },
        );
        progress.stop();
        ctx.emit(result, (r) =>
          printFields([
            ['pulled', (r.pulledImages ?? []).join(' ') || '-'],
            ['present', (r.presentImages ?? []).join(' ') || '-'],
          ]),
        );
      } finally {
        progress.stop();
      }
    });

  images
    .command('list')
    .description('list the images Flotilla built (flotilla/*), newest first')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const list = await (await ctx.client()).listImages();
      ctx.emit(list, (rows) =>
        printTable(
          ['image', 'package', 'size', 'created'],
          rows.map((i) => [
            i.name,
            i.package ? `${i.package} ${i.version ?? ''}` : '-',
            mb(i.size),
            age(i.created),
          ]),
        ),
      );
    });
}

function pick(line: { layer?: string; current?: number; total?: number }): Partial<PullEvent> {
  return {
    ...(line.layer ? { layer: line.layer } : {}),
    ...(line.current !== undefined ? { current: line.current } : {}),
    ...(line.total !== undefined ? { total: line.total } : {}),
  };
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}
