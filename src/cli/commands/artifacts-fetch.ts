import type { Command } from 'commander';
import { context } from '../context.js';
import { printFields, spinner } from '../output.js';

/** `flotilla artifacts fetch kafka@3.9.1`: every pinned jar into the verified cache, ahead of `up`. */
export function registerArtifactsFetch(artifacts: Command): void {
  artifacts
    .command('fetch')
    .description("pre-fetch a package's pinned JVM artifacts into the verified cache")
    .argument('<package>', 'a package, optionally with @version (kafka@3.9.1)')
    .action(async (ref: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      const [name, version] = ref.split('@') as [string, string | undefined];
      const client = await ctx.client();
      const spin = spinner(`fetching ${ref}`);
      try {
        const result = await client.fetchArtifacts(name, version, (line) => {
          if (line.type === 'start')
            spin.update(`fetching ${ref}: ${line.artifacts} artifacts, ${mb(line.bytes)}`);
          if (line.type === 'progress')
            spin.update(`fetching ${ref}: ${line.done}/${line.of} ${line.artifact}`);
        });
        spin.stop();
        ctx.emit(result, (r) =>
          printFields([
            ['artifacts', String(r.artifacts)],
            ['downloaded', String(r.downloaded)],
            ['size', mb(r.bytes)],
            ['cache', r.cache ?? ''],
          ]),
        );
      } finally {
        spin.stop();
      }
    });
}

function mb(bytes: number | undefined): string {
  return `${((bytes ?? 0) / 2 ** 20).toFixed(1)} MB`;
}
