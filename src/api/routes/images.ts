import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { authorize } from '../../auth/authenticate.js';
import { errorResponses, ImageView } from '../../core/api-schemas.js';
import { ImageBuildBody, ImagePullBody } from '../../core/request-schemas.js';
import type { ImageBuildLine, ImagePullLine } from '../../core/streams.js';
import { Engine } from '../../drivers/docker/engine.js';
import {
  baseImage,
  catalogImages,
  ensureBaseImage,
  ensureImage,
  imageExists,
  listImages,
  pullImage,
  packageImage,
  type CatalogImage,
} from '../../images/index.js';
import type { ApiDeps } from '../deps.js';
import { errorLine, ndjson } from '../ndjson.js';

/** The Engine the daemon shares, or one for this request (closed by the caller). */
function engineOf(deps: ApiDeps): { engine: Engine; close: () => void } {
  if (deps.engine) return { engine: deps.engine(), close: () => undefined };
  const engine = new Engine();
  return { engine, close: () => engine.close() };
}

/**
 * An engine that answers (else the request fails with a plain DOCKER_UNAVAILABLE, before any
 * stream starts), then the reply as a stream of newline-delimited JSON lines.
 */
async function ndjsonOverEngine<L>(
  deps: ApiDeps,
  reply: FastifyReply,
): Promise<{ engine: Engine; close: () => void; line: (o: L) => void; end: () => void }> {
  const { engine, close } = engineOf(deps);
  try {
    await engine.version();
  } catch (err) {
    close();
    throw err;
  }
  return { engine, close, ...ndjson<L>(reply) };
}

export const imageRoutes =
  (deps: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v1/images/build',
      {
        schema: {
          tags: ['images'],
          summary:
            "Build the Docker driver's runtime images (the base, then each package's) when missing. Answers " +
            'newline-delimited JSON: {"type":"start",…}, {"type":"progress","image","line"} and ' +
            '{"type":"image",…} lines, then {"type":"done",…} or {"type":"error","error":{code,message,hint}}',
          body: ImageBuildBody,
          response: { ...errorResponses },
        },
      },
      async (req, reply) => {
        const body = req.body;
        // Pulling an image of one's choosing changes the machine for every tenant.
        if (body.base !== undefined) authorize(req.principal, 'cluster');
        const base = body.base ?? baseImage();
        const wanted: CatalogImage[] = body.packages?.length
          ? body.packages.map((spec) => {
              const ref = packageImage(spec, base);
              return { package: ref.package, version: ref.version, ref };
            })
          : catalogImages(base);
        const { engine, close, line, end } = await ndjsonOverEngine<ImageBuildLine>(deps, reply);
        const images = wanted.flatMap((w) => ('ref' in w ? [w.ref] : []));
        line({
          type: 'start',
          base,
          images: images.map((r) => ({ package: r.package, version: r.version, image: r.name })),
          skipped: wanted.flatMap((w) =>
            'unsupported' in w ? [{ package: w.package, version: w.version, reason: w.unsupported }] : [],
          ),
        });
        const built: string[] = [];
        const present: string[] = [];
        try {
          const t0 = Date.now();
          const progress = (image: string) => (text: string) => line({ type: 'progress', image, line: text });
          const b = await ensureBaseImage(engine, { base, onProgress: progress(base) });
          line({ type: 'image', image: base, built: b.built, seconds: (Date.now() - t0) / 1000 });
          (b.built ? built : present).push(base);
          for (const ref of images) {
            const t1 = Date.now();
            const r = await ensureImage(engine, ref, {
              artifactsDir: deps.paths.artifacts,
              onProgress: progress(ref.name),
            });
            (r.built ? built : present).push(ref.name);
            line({
              type: 'image',
              package: ref.package,
              version: ref.version,
              image: ref.name,
              built: r.built,
              seconds: (Date.now() - t1) / 1000,
            });
          }
          line({ type: 'done', builtImages: built, presentImages: present });
        } catch (err) {
          line(errorLine(err));
        } finally {
          close();
        }
        end();
      },
    );

    app.post(
      '/v1/images/pull',
      {
        schema: {
          tags: ['images'],
          summary:
            "Pull images from Docker Hub or the registry each names, with the caller's credentials (registryAuth), " +
            "else those of the daemon user's config.json ($DOCKER_CONFIG). " +
            'Answers newline-delimited JSON: {"type":"start","images"}, ' +
            '{"type":"progress","image","layer","status","current","total"}, {"type":"image","image","pulled",…} ' +
            'lines, then {"type":"done",…} or {"type":"error","error":{code,message,hint}}',
          body: ImagePullBody,
          response: { ...errorResponses },
        },
      },
      async (req, reply) => {
        const images = [...new Set(req.body.images)];
        const policy = req.body.policy ?? 'always';
        const { engine, close, line, end } = await ndjsonOverEngine<ImagePullLine>(deps, reply);
        line({ type: 'start', images });
        const pulled: string[] = [];
        const present: string[] = [];
        // In parallel, as `docker compose pull`; each image once (pullImage shares a pull in flight).
        const outcomes = await Promise.allSettled(
          images.map(async (image) => {
            if (policy === 'missing' && (await imageExists(engine, image))) {
              present.push(image);
              return line({ type: 'image', image, pulled: false });
            }
            const r = await pullImage(engine, image, {
              onEvent: (e) => line({ type: 'progress', ...e }),
              credentials: req.body.registryAuth,
            });
            pulled.push(image);
            line({ type: 'image', ...r, pulled: true });
          }),
        );
        close();
        const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
        line(
          failed ? errorLine(failed.reason) : { type: 'done', pulledImages: pulled, presentImages: present },
        );
        end();
      },
    );

    app.get(
      '/v1/images',
      {
        schema: {
          tags: ['images'],
          summary: 'The images Flotilla built (flotilla/*) on the Docker engine, newest first',
          response: { 200: Type.Array(ImageView), ...errorResponses },
        },
      },
      async () => {
        const { engine, close } = engineOf(deps);
        try {
          return await listImages(engine);
        } finally {
          close();
        }
      },
    );
  };
