import type { Engine } from '../drivers/docker/engine.js';
import type { ImageView } from '../core/api-schemas.js';
import { IMAGE_REPOSITORY_PREFIX } from './layout.js';

interface EngineImage {
  Id: string;
  RepoTags: string[] | null;
  Size: number;
  Created: number;
  Labels: Record<string, string> | null;
}

/** The images Flotilla built (`flotilla/*`), newest first. */
export async function listImages(engine: Engine): Promise<ImageView[]> {
  const images = await engine.json<EngineImage[]>({
    path: '/images/json',
    query: { filters: JSON.stringify({ reference: [`${IMAGE_REPOSITORY_PREFIX}*`] }) },
    timeoutMs: 30_000,
  });
  const out: ImageView[] = [];
  for (const image of images.sort((a, b) => b.Created - a.Created)) {
    for (const name of image.RepoTags ?? []) {
      if (!name.startsWith(IMAGE_REPOSITORY_PREFIX)) continue;
      const labels = image.Labels ?? {};
      out.push({
        name,
        id: image.Id.replace(/^sha256:/, '').slice(0, 12),
        size: image.Size,
        created: new Date(image.Created * 1000).toISOString(),
        ...(labels['io.flotilla.package'] ? { package: labels['io.flotilla.package'] } : {}),
        ...(labels['io.flotilla.version'] ? { version: labels['io.flotilla.version'] } : {}),
      });
    }
  }
  return out;
}
