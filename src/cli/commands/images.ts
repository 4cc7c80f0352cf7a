import type { Command } from 'commander';
import { context } from '../context.js';
import { age, printFields, printTable, spinner, truncate } from '../output.js';

/** `flotilla images build|list`: the Docker driver's runtime images. */
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

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}
