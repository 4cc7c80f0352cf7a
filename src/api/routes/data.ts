import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../core/api-schemas.js';
import { FlotillaError } from '../../core/errors.js';
import { DataFolderView, DataSizeBody, DataUploadView } from '../../core/data-schemas.js';
import type { ApiDeps } from '../deps.js';

const PathParams = Type.Object({ '*': Type.String() });

/** The tenant's data folder: what is in it, its size, and files uploaded into it. */
export const dataRoutes =
  ({ data, tenants }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    // An upload's body is the file, streamed to disk as it comes (only on these routes: every
    // other route still takes JSON alone). Its size is checked by the upload, not the body limit.
    app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    app.get(
      '/v1/data',
      {
        schema: {
          tags: ['data'],
          summary: "The tenant's data folder: where it is, its size and free space, its files",
          response: { 200: DataFolderView, ...errorResponses },
        },
      },
      async (req) => data.view(req.tenant),
    );
    app.put(
      '/v1/data',
      {
        schema: {
          tags: ['data'],
          summary:
            "Give the tenant's data folder a size (its quota.data): a file system of its own, grown when larger, never smaller (root only)",
          body: DataSizeBody,
          response: { 200: DataFolderView, ...errorResponses },
        },
      },
      async (req) => {
        await tenants.setDataSize(req.tenant, req.body.sizeMb);
        return data.view(req.tenant);
      },
    );
    app.put(
      '/v1/data/*',
      {
        schema: {
          tags: ['data'],
          summary:
            "Upload a file into the data folder (body: the bytes, Content-Type: application/octet-stream), written as the tenant's user; folders on the way are made",
          params: PathParams,
          response: { 201: DataUploadView, ...errorResponses },
        },
      },
      async (req, reply) => {
        // A JSON body was parsed by the JSON parser: an upload's body is the file itself.
        if (req.body !== undefined && !(req.body instanceof Readable))
          throw new FlotillaError(
            'VALIDATION_FAILED',
            "an upload's body is the file's bytes: send them with Content-Type: application/octet-stream",
          );
        const length = req.headers['content-length'];
        const view = await data.upload(
          req.tenant,
          req.params['*'],
          // An empty body (an empty file) comes without a stream.
          (req.body as Readable | undefined) ?? Readable.from([]),
          length === undefined ? undefined : Number(length),
        );
        return reply.status(201).send(view);
      },
    );
  };
