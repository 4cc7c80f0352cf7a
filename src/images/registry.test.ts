import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { classify } from './pull.js';
import { parseReference, registryAuthHeader, registryCredentials } from './registry.js';
import { allCredentials } from '../core/docker-config.js';

describe('image references', () => {
  it('normalises names as the Docker CLI does', () => {
    assert.deepEqual(parseReference('redis'), {
      registry: 'docker.io',
      repository: 'library/redis',
      tag: 'latest',
    });
    assert.deepEqual(parseReference('bitnami/kafka:3.9'), {
      registry: 'docker.io',
      repository: 'bitnami/kafka',
      tag: '3.9',
    });
    assert.deepEqual(parseReference('127.0.0.1:5000/team/app:1'), {
      registry: '127.0.0.1:5000',
      repository: 'team/app',
      tag: '1',
    });
    assert.deepEqual(parseReference('localhost/app'), {
      registry: 'localhost',
      repository: 'app',
      tag: 'latest',
    });
    assert.deepEqual(parseReference('ghcr.io/o/r@sha256:abc'), {
      registry: 'ghcr.io',
      repository: 'o/r',
      digest: 'sha256:abc',
    });
  });
});

describe('credentials from config.json', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-dockercfg-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (config: object) => fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const env = { DOCKER_CONFIG: dir };

  it('reads an auths entry by its host, whatever its scheme and path, and Docker Hub by its key', () => {
    const auth = Buffer.from('me:s3cret:with-colon').toString('base64');
    write({ auths: { 'http://reg.local:5000/v2/': { auth }, 'https://index.docker.io/v1/': { auth } } });
    assert.deepEqual(registryCredentials('reg.local:5000', env), {
      username: 'me',
      password: 's3cret:with-colon',
      serveraddress: 'reg.local:5000',
    });
    assert.equal(registryCredentials('docker.io', env)?.serveraddress, 'https://index.docker.io/v1/');
    assert.equal(registryCredentials('other.io', env), undefined, 'no entry: anonymous');
  });

  it("lists every registry's own credentials by host, as the CLI sends its user's (helpers' left out)", () => {
    const auth = Buffer.from('me:pw').toString('base64');
    assert.deepEqual(
      allCredentials({
        auths: {
          'http://reg.local:5000/v2/': { auth },
          'https://index.docker.io/v1/': { username: 'hub', password: 'hubpw' },
          'ghcr.io': {},
        },
        credsStore: 'desktop',
      }),
      {
        'reg.local:5000': { username: 'me', password: 'pw', serveraddress: 'reg.local:5000' },
        'docker.io': { username: 'hub', password: 'hubpw', serveraddress: 'https://index.docker.io/v1/' },
      },
    );
  });

  it('refuses, with a code, credentials that only a helper holds', () => {
    write({ auths: { 'ghcr.io': {} }, credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud' } });
    assert.throws(() => registryCredentials('ghcr.io', env), { code: 'REGISTRY_AUTH_UNSUPPORTED' });
    assert.throws(() => registryCredentials('gcr.io', env), /docker-credential-gcloud/);
    assert.equal(registryCredentials('quay.io', env), undefined, 'a public registry stays anonymous');
  });

  it('answers no file as anonymous, and sends X-Registry-Auth padded', () => {
    assert.equal(registryCredentials('docker.io', { DOCKER_CONFIG: path.join(dir, 'none') }), undefined);
    const header = registryAuthHeader({ username: 'a', password: 'b', serveraddress: 'r' })[
      'X-Registry-Auth'
    ];
    assert.ok(header && header.length % 4 === 0 && !/[+/]/.test(header), header);
  });
});

describe("the engine's pull errors", () => {
  it('are coded by what went wrong, naming the image and the registry', () => {
    const unreachable = classify(
      'r:5/a:1',
      'r:5',
      'Get "http://r:5/v2/": dial tcp 127.0.0.1:5: connect: connection refused',
    );
    assert.equal(unreachable.code, 'REGISTRY_UNREACHABLE');
    assert.match(unreachable.message, /r:5\/a:1.*r:5.*registry-mirrors.*docker load.*build:/s);
    assert.equal(classify('x', 'r', 'unauthorized: authentication required').code, 'IMAGE_PULL_DENIED');
    assert.equal(classify('x', 'r', 'Head "…": no basic auth credentials').code, 'IMAGE_PULL_DENIED');
    assert.equal(classify('x', 'r', 'manifest for x not found: manifest unknown').code, 'IMAGE_PULL_FAILED');
  });
});
