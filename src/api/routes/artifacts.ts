import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ArtifactResolver } from '../../artifacts/resolver.js';
import { getPackage } from '../../catalog/registry.js';
import { DoctorView, errorResponses } from '../../core/api-schemas.js';
import { FlotillaError } from '../../core/errors.js';
import { ArtifactFetchBody } from '../../core/request-schemas.js';
import type { ArtifactFetchLine } from '../../core/streams.js';
import { runDoctor } from '../../daemon/doctor.js';
import type { ApiDeps } from '../deps.js';
import { errorLine, ndjson } from '../ndjson.js';

export const artifactRoutes =
  ({ paths, security }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v1/artifacts/fetch',
      {
        schema: {
          tags: ['artifacts'],
          summary:
            "Pre-fetch a package's pinned JVM artifacts into the verified cache. Answers newline-delimited JSON: " +
            '{"type":"progress",…} lines, then {"type":"done",…} or {"type":"error","error":{code,message,hint}}',
          body: ArtifactFetchBody,
          response: { ...errorResponses },
        },
      },
      async (req, reply) => {
        const pkg = getPackage(req.body.package, req.body.version);
        if (!pkg.jvm) {
          throw new FlotillaError(
            'PACKAGE_NOT_FOUND',
            `package ${pkg.name} ${pkg.version} runs no JVM artifacts`,
          );
        }
        const lock = pkg.jvm.lock({});
        const { line, end } = ndjson<ArtifactFetchLine>(reply);
        const total = lock.artifacts.reduce((s, a) => s + a.size, 0);
        line({
          type: 'start',
          package: pkg.name,
          version: pkg.version,
          artifacts: lock.artifacts.length,
          bytes: total,
        });
        let done = 0;
        let downloaded = 0;
        const resolver = new ArtifactResolver({
          cacheDir: paths.artifacts,
          onProgress: (p) => {
            if (!p.done) return;
            done++;
            if (!p.fromCache) downloaded++;
            line({
              type: 'progress',
              artifact: p.artifact.artifactId,
              done,
              of: lock.artifacts.length,
              fromCache: p.fromCache,
            });
          },
        });
        try {
          await resolver.ensure(lock.artifacts);
          line({
            type: 'done',
            artifacts: lock.artifacts.length,
            downloaded,
            bytes: total,
            cache: paths.artifacts,
          });
        } catch (err) {
          line(errorLine(err));
        }
        end();
      },
    );

    app.get(
      '/v1/doctor',
      {
        schema: {
          tags: ['daemon'],
          summary:
            "Checks this machine for what the catalog's packages need, and says how to fix each problem; with security=true, how tenants are kept apart",
          querystring: Type.Object({ security: Type.Optional(Type.Boolean()) }),
          response: { 200: DoctorView },
        },
      },
      async (req) => {
        const checks = req.query.security ? (security?.() ?? []) : await runDoctor(paths.artifacts);
        return { ok: checks.every((c) => c.ok), checks };
      },
    );
  };
