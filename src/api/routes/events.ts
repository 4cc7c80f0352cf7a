import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EventRecord } from '../../state/store-events.js';
import type { ApiDeps } from '../deps.js';

const HEARTBEAT_MS = 15_000;

/** Server-sent events: task state changes, replayed from `since` (or Last-Event-ID) then live. */
export const eventRoutes =
  ({ events }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    // A stream never ends on its own: a daemon stopping would wait for its followers forever.
    const open = new Set<{ end(): void }>();
    app.addHook('preClose', async () => {
      for (const res of open) res.end();
    });
    app.get(
      '/v1/events',
      {
        schema: {
          tags: ['events'],
          summary: 'Server-sent event stream of task state changes (text/event-stream)',
          querystring: Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })) }),
        },
      },
      async (req, reply) => {
        const lastId = Number(req.headers['last-event-id'] ?? NaN);
        const since = req.query.since ?? (Number.isFinite(lastId) ? lastId : undefined);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        res.write(': flotilla events\n\n');
        const send = (e: EventRecord) => {
          if (e.tenant !== req.tenant) return;
          res.write(
            `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify({ ...e.data, at: new Date(e.at).toISOString(), subject: e.subject })}\n\n`,
          );
        };
        // Replay and subscribe run in one tick, so no event falls between them.
        if (since !== undefined) for (const e of events.since(req.tenant, since)) send(e);
        const unsubscribe = events.subscribe(send);
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        open.add(res);
        req.raw.on('close', () => {
          open.delete(res);
          clearInterval(heartbeat);
          unsubscribe();
        });
      },
    );
  };
