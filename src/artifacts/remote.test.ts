import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cachePath, repositoryPath } from '../core/artifact.js';
import { isFlotillaError } from '../core/errors.js';
import { ArtifactResolver } from './resolver.js';
import { closedPort, fakeArtifact, layout } from './testing/repo-server.js';
import { serve, setup } from './testing/setup.js';

test('redirects are followed; credentials are not sent to another origin', async (t) => {
  const a = fakeArtifact('alpha');
  const storage = await serve(t, { files: layout([a]) });
  const front = await serve(t, {
    files: new Map(),
    handle: (req, res) => {
      res.writeHead(302, { location: `${storage.url}/${req.url!.split('/maven2/')[1]}` }).end();
      return true;
    },
  });
  const { resolver, cacheDir } = setup(t, front.url.replace('http://', 'http://ann:pw@'));

  await resolver.ensure([a.artifact]);

  assert.equal(front.requests[0]!.authorization, `Basic ${Buffer.from('ann:pw').toString('base64')}`);
  assert.equal(storage.requests[0]!.authorization, undefined);
  assert.deepEqual(fs.readFileSync(cachePath(cacheDir, a.artifact)), a.bytes);
});

test('a connection dropped mid-body is retried, resuming where it broke', async (t) => {
  const a = fakeArtifact('alpha', 300_000);
  let dropped = false;
  const server = await serve(t, {
    files: layout([a]),
    handle: (_req, res, body) => {
      if (dropped || !body) return false;
      dropped = true;
      res.writeHead(200, { 'content-length': body.length });
      // Give the client time to store what it got, so that the retry has something to resume from.
      res.write(body.subarray(0, 120_000), () => setTimeout(() => res.socket?.destroy(), 50));
      return true;
    },
  });
  const { resolver, cacheDir } = setup(t, server.url);

  await resolver.ensure([a.artifact]);

  const hits = server.hits(a.artifact);
  assert.equal(hits.length, 2);
  assert.match(hits[1]!.range ?? '', /^bytes=\d+-$/, 'the retry resumes');
  assert.deepEqual(fs.readFileSync(cachePath(cacheDir, a.artifact)), a.bytes);
});

test('a 503 is retried with backoff', async (t) => {
  const a = fakeArtifact('alpha');
  let failures = 2;
  const server = await serve(t, {
    files: layout([a]),
    handle: (_req, res) => (failures-- > 0 ? (res.writeHead(503).end(), true) : false),
  });
  const { resolver, cacheDir } = setup(t, server.url);

  await resolver.ensure([a.artifact]);

  assert.equal(server.requests.length, 3);
  assert.deepEqual(fs.readFileSync(cachePath(cacheDir, a.artifact)), a.bytes);
});

test('an unreachable repository gives ARTIFACT_UNREACHABLE naming the URL and FLOTILLA_MAVEN_REPO', async (t) => {
  const a = fakeArtifact('alpha');
  const repo = `http://127.0.0.1:${await closedPort()}/maven2`;
  const { resolver, cacheDir } = setup(t, repo);

  await assert.rejects(resolver.ensure([a.artifact]), (err: unknown) => {
    assert.ok(isFlotillaError(err));
    assert.equal(err.code, 'ARTIFACT_UNREACHABLE');
    assert.equal(err.status, 502);
    assert.ok(err.message.includes(`could not download ${repo}/${repositoryPath(a.artifact)} (ECONNREFUSED`));
    assert.match(err.message, /FLOTILLA_MAVEN_REPO/);
    return true;
  });
  assert.equal(fs.existsSync(cachePath(cacheDir, a.artifact)), false);
});

test('Maven Central unreachable: the message says which settings change the URL', async (t) => {
  const a = fakeArtifact('alpha');
  const url = `http://127.0.0.1:${await closedPort()}/maven2`;
  const { cacheDir } = setup(t, undefined);
  const resolver = new ArtifactResolver({
    cacheDir,
    retries: 0,
    settings: {
      remotes: [{ id: 'central', url, source: 'Maven Central (default)' }],
      blocked: [],
      localRepository: cacheDir,
      source: 'Maven Central (default)',
    },
  });

  await assert.rejects(
    resolver.ensure([a.artifact]),
    /could not download .*; set FLOTILLA_MAVEN_REPO or a mirror in ~\/\.m2\/settings\.xml$/,
  );
});

test('a mirror from settings.xml is used, with its <server> credentials as basic auth', async (t) => {
  const a = fakeArtifact('alpha');
  const server = await serve(t, {
    files: layout([a]),
    handle: (req, res) => (req.headers.authorization ? false : (res.writeHead(401).end(), true)),
  });
  const { resolver, home, cacheDir } = setup(t, undefined);
  fs.mkdirSync(path.join(home, '.m2'));
  fs.writeFileSync(
    path.join(home, '.m2', 'settings.xml'),
    `<settings><mirrors><mirror><id>corp</id><mirrorOf>*</mirrorOf><url>${server.url}/</url></mirror></mirrors>
     <servers><server><id>corp</id><username>ann</username><password>s3cr&amp;t</password></server></servers></settings>`,
  );

  await resolver.ensure([a.artifact]);

  assert.equal(server.requests[0]!.authorization, `Basic ${Buffer.from('ann:s3cr&t').toString('base64')}`);
  assert.deepEqual(fs.readFileSync(cachePath(cacheDir, a.artifact)), a.bytes);
});

test('a 401 without credentials says to add a <server> for the mirror', async (t) => {
  const a = fakeArtifact('alpha');
  const server = await serve(t, {
    files: layout([a]),
    handle: (_req, res) => (res.writeHead(401).end(), true),
  });
  const { resolver, home } = setup(t, undefined);
  fs.mkdirSync(path.join(home, '.m2'));
  fs.writeFileSync(
    path.join(home, '.m2', 'settings.xml'),
    `<settings><mirrors><mirror><id>corp</id><mirrorOf>central</mirrorOf><url>${server.url}</url></mirror></mirrors></settings>`,
  );

  await assert.rejects(resolver.ensure([a.artifact]), (err: unknown) => {
    assert.ok(isFlotillaError(err));
    assert.equal(err.code, 'ARTIFACT_UNREACHABLE');
    assert.match(err.message, /HTTP 401: add a <server> with id corp/);
    assert.match(err.message, /mirror corp in ~\/\.m2\/settings\.xml/);
    return true;
  });
  assert.equal(server.requests.length, 1, 'a refusal is not retried');
});
