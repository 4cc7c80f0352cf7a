import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ERRORS } from '../src/core/errors.js';
import { startInProcessDaemon, type InProcessDaemon } from './helpers/daemon.js';
import { adminToken } from './helpers/flotilla.js';

interface Answer {
  status: number;
  body: string;
}

function send(
  base: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(options.path, base), {
      method: options.method,
      headers: options.headers,
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The coded shape of docs/errors.md, with the status its code is documented with. */
function coded(answer: Answer, code: keyof typeof ERRORS): { message: string } {
  const body = JSON.parse(answer.body) as { code: string; message: string; hint: string };
  assert.equal(body.code, code, answer.body);
  assert.equal(
    answer.status,
    ERRORS[code].status,
    `${code} is documented with status ${ERRORS[code].status}`,
  );
  assert.equal(body.hint, ERRORS[code].hint);
  return body;
}

/** Issue 16, defect 5: every HTTP error body is coded, the framework's own included. */
describe('HTTP errors', () => {
  let d: InProcessDaemon;
  let base: string;
  let auth: Record<string, string>;
  before(async () => {
    d = await startInProcessDaemon('http-errors', 38000);
    base = d.daemon.info.address;
    auth = { authorization: `Bearer ${adminToken(d.home)}` };
  });
  after(() => d.stop());

  it('an unknown route: 404 ROUTE_NOT_FOUND', async () => {
    coded(await send(base, { method: 'GET', path: '/v1/nothing', headers: auth }), 'ROUTE_NOT_FOUND');
  });

  it('a body over the limit: 413 PAYLOAD_TOO_LARGE, naming the limit', async () => {
    const body = JSON.stringify({ source: 'x'.repeat(3 * 1024 * 1024) });
    const a = await send(base, {
      method: 'PUT',
      path: '/v1/stacks/big',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
    });
    assert.match(coded(a, 'PAYLOAD_TOO_LARGE').message, /larger than 2\.1 MiB/);
  });

  it('a stack file over 1 MiB inside a body within the limit: 413 PAYLOAD_TOO_LARGE', async () => {
    const body = JSON.stringify({ source: `name: big\n# ${'x'.repeat(1100 * 1024)}\n` });
    const a = await send(base, {
      method: 'PUT',
      path: '/v1/stacks/big',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
    });
    assert.match(coded(a, 'PAYLOAD_TOO_LARGE').message, /limit is 1 MiB/);
  });

  it('a body that is not JSON: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const a = await send(base, {
      method: 'POST',
      path: '/v1/apps',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'id: x',
    });
    coded(a, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('a 100 kB URL: 431 HEADERS_TOO_LARGE', async () => {
    coded(
      await send(base, { method: 'GET', path: `/v1/stacks/${'a'.repeat(100_000)}` }),
      'HEADERS_TOO_LARGE',
    );
  });

  it("a 1,000-character name is the route's to refuse (404, coded), not the router's (414)", async () => {
    coded(
      await send(base, { method: 'GET', path: `/v1/stacks/${'a'.repeat(1000)}`, headers: auth }),
      'STACK_NOT_FOUND',
    );
  });

  it('a JSON body of too many keys or too deep: 413 INPUT_TOO_COMPLEX before it is built', async () => {
    const keys = `{${Array.from({ length: 30_000 }, (_, i) => `"k${i}":1`).join(',')}}`;
    const many = await send(base, {
      method: 'POST',
      path: '/v1/apps',
      headers: { ...auth, 'content-type': 'application/json' },
      body: keys,
    });
    assert.match(coded(many, 'INPUT_TOO_COMPLEX').message, /more than 10000 nodes/);
    const deep = await send(base, {
      method: 'POST',
      path: '/v1/apps',
      headers: { ...auth, 'content-type': 'application/json' },
      body: `{"env":${'['.repeat(1000)}${']'.repeat(1000)}}`,
    });
    assert.match(coded(deep, 'INPUT_TOO_COMPLEX').message, /deeper than 64/);
  });

  it('a YAML alias bomb: 413 INPUT_TOO_COMPLEX, not INTERNAL', async () => {
    const lines = ['name: bomb', 'x-a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      lines.push(
        `x-${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(', ')}]`,
      );
    }
    const a = await send(base, {
      method: 'PUT',
      path: '/v1/stacks/bomb',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ source: lines.join('\n') }),
    });
    coded(a, 'INPUT_TOO_COMPLEX');
  });

  it('health without a token says only that the daemon answers (issue 16, defect 6)', async () => {
    const anonymous = JSON.parse((await send(base, { method: 'GET', path: '/v1/health' })).body) as object;
    assert.deepEqual(Object.keys(anonymous).sort(), ['status', 'uptimeSeconds', 'version']);
    const admin = JSON.parse(
      (await send(base, { method: 'GET', path: '/v1/health', headers: auth })).body,
    ) as {
      home: string;
      pid: number;
      tasks: number;
    };
    assert.equal(admin.home, d.home);
    assert.equal(admin.pid, process.pid);
    assert.equal(admin.tasks, 0);
  });

  it('refuses what would lock the caller out or name nothing valid (found by schemathesis)', async () => {
    const whoami = JSON.parse(
      (await send(base, { method: 'GET', path: '/v1/whoami', headers: auth })).body,
    ) as {
      tokenId: string;
    };
    const revoke = await send(base, {
      method: 'DELETE',
      path: `/v1/tokens/${whoami.tokenId}`,
      headers: auth,
    });
    assert.match(coded(revoke, 'PERMISSION_DENIED').message, /cannot revoke itself/);
    const remove = await send(base, { method: 'DELETE', path: '/v1/tenants/default', headers: auth });
    assert.match(coded(remove, 'PERMISSION_DENIED').message, /holds the token of this request/);
    const install = await send(base, {
      method: 'POST',
      path: '/v1/services',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'cassandra 5.0.9: Java 17+', package: 'kafka' }),
    });
    assert.match(coded(install, 'VALIDATION_FAILED').message, /not a valid name/);
    assert.equal((await send(base, { method: 'GET', path: '/v1/health', headers: auth })).status, 200);
  });
});
