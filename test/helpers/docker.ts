import { Engine } from '../../src/drivers/docker/engine.js';

interface Labelled {
  Id?: string;
  Name?: string;
  Names?: string[];
  Labels: Record<string, string> | null;
}

/** Whether a Docker engine answers (DOCKER_HOST or the default socket), and if not, why. */
export async function dockerEngine(): Promise<{ engine: Engine; version: string } | { skip: string }> {
  const engine = new Engine();
  try {
    const v = await engine.version();
    return { engine, version: v.Version };
  } catch (err) {
    engine.close();
    return {
      skip:
        `SKIPPED, NO DOCKER ENGINE: ${(err as Error).message.replace(/\.$/, '')}; ` +
        'run `bash scripts/docker-engine.sh` to install and start one.',
    };
  }
}

/**
 * Removes every container, network and volume a test daemon left on the engine (by its daemon id
 * label) and returns how many containers were still there: a test run that leaves one behind fails.
 * Volumes are kept by `down` on purpose; the test's home goes, so they go too.
 */
export async function removeDockerLeftovers(daemonId: string): Promise<number> {
  const probe = await dockerEngine();
  if ('skip' in probe) return 0;
  const { engine } = probe;
  try {
    const filters = JSON.stringify({ label: [`io.flotilla.daemon=${daemonId}`] });
    const containers = await engine.json<Labelled[]>({
      path: '/containers/json',
      query: { all: 1, filters },
    });
    for (const c of containers) {
      console.error(`left behind: container ${c.Names?.[0] ?? c.Id}`);
      await engine.json({ method: 'DELETE', path: `/containers/${c.Id}`, query: { force: 1 } });
    }
    const networks = await engine.json<Labelled[]>({ path: '/networks', query: { filters } });
    for (const n of networks) await engine.json({ method: 'DELETE', path: `/networks/${n.Id}` });
    const volumes = await engine.json<{ Volumes: Labelled[] | null }>({
      path: '/volumes',
      query: { filters },
    });
    for (const v of volumes.Volumes ?? [])
      await engine.json({ method: 'DELETE', path: `/volumes/${v.Name}` });
    return containers.length;
  } finally {
    engine.close();
  }
}
