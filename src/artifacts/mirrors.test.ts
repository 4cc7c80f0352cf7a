import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isExternalHttpRepo,
  isExternalRepo,
  matchesMirrorOf,
  protocolAndHost,
  selectMirror,
} from './mirrors.js';
import type { MirrorDef } from './mirrors.js';

const central = { id: 'central', url: 'https://repo.maven.apache.org/maven2' };
const corpHttp = { id: 'corp', url: 'http://nexus.corp.example/repo' };
const localHttp = { id: 'dev', url: 'http://localhost:8081/repo' };
const fileRepo = { id: 'disk', url: 'file:///srv/m2' };

test('mirrorOf: *, an exact id, and comma lists', () => {
  assert.equal(matchesMirrorOf(central, '*'), true);
  assert.equal(matchesMirrorOf(central, 'central'), true);
  assert.equal(matchesMirrorOf(central, 'corp'), false);
  assert.equal(matchesMirrorOf(central, 'corp,central'), true);
  assert.equal(matchesMirrorOf(central, 'corp, central'), true);
  assert.equal(matchesMirrorOf(central, 'Central'), false, 'ids are case-sensitive');
});

test('mirrorOf: !id excludes, wherever it stands in the list', () => {
  assert.equal(matchesMirrorOf(central, '*,!central'), false);
  assert.equal(matchesMirrorOf(central, '!central,*'), false);
  assert.equal(matchesMirrorOf(corpHttp, '*,!central'), true);
  assert.equal(matchesMirrorOf(central, 'external:*,!central'), false);
  assert.equal(matchesMirrorOf(central, '!'), false, 'a lone ! is just an unknown id');
});

test('mirrorOf: external:* is every repository not on localhost and not file:', () => {
  assert.equal(matchesMirrorOf(central, 'external:*'), true);
  assert.equal(matchesMirrorOf(corpHttp, 'external:*'), true);
  assert.equal(matchesMirrorOf(localHttp, 'external:*'), false);
  assert.equal(matchesMirrorOf({ id: 'x', url: 'http://127.0.0.1:9/r' }, 'external:*'), false);
  assert.equal(matchesMirrorOf(fileRepo, 'external:*'), false);
});

test('mirrorOf: external:http:* is plain-http repositories off this machine (the http blocker)', () => {
  assert.equal(matchesMirrorOf(central, 'external:http:*'), false, 'https is not blocked');
  assert.equal(matchesMirrorOf(corpHttp, 'external:http:*'), true);
  assert.equal(matchesMirrorOf(localHttp, 'external:http:*'), false, 'localhost may use http');
  assert.equal(matchesMirrorOf({ id: 'd', url: 'dav:http://dav.example/r' }, 'external:http:*'), true);
  assert.equal(matchesMirrorOf({ id: 'd', url: 'HTTP://up.example/r' }, 'external:http:*'), true);
});

test('protocol and host are read the way maven-resolver reads them', () => {
  assert.deepEqual(protocolAndHost('dav:http://dav.example:8080/r'), {
    protocol: 'dav:http',
    host: 'dav.example',
  });
  assert.deepEqual(protocolAndHost('https://user:pw@repo.example/x'), {
    protocol: 'https',
    host: 'repo.example',
  });
  assert.equal(isExternalRepo('file:///srv/m2'), false);
  assert.equal(
    isExternalHttpRepo('http://[::1]:8080/r'),
    true,
    'only localhost and 127.0.0.1 count as local',
  );
});

const mirror = (id: string, mirrorOf: string, extra: Partial<MirrorDef> = {}): MirrorDef => ({
  id,
  mirrorOf,
  url: `https://${id}.example/maven2`,
  blocked: false,
  ...extra,
});

test('an exact mirrorOf id beats an earlier wildcard; otherwise the first match wins', () => {
  const mirrors = [mirror('all', '*'), mirror('only-central', 'central'), mirror('second', '*')];
  assert.equal(selectMirror(central, mirrors)?.id, 'only-central');
  assert.equal(selectMirror(corpHttp, mirrors)?.id, 'all');
  assert.equal(selectMirror(central, [mirror('a', '*,!central')]), undefined);
});

test("Maven's default http blocker leaves Maven Central alone and blocks external http", () => {
  const blocker = mirror('maven-default-http-blocker', 'external:http:*', {
    url: 'http://0.0.0.0/',
    blocked: true,
  });
  assert.equal(selectMirror(central, [blocker]), undefined);
  assert.equal(selectMirror(corpHttp, [blocker])?.blocked, true);
  assert.equal(selectMirror(localHttp, [blocker]), undefined);
  assert.equal(selectMirror(corpHttp, [mirror('corp-mirror', 'corp'), blocker])?.id, 'corp-mirror');
});

test('mirrorOfLayouts must admit the default layout', () => {
  assert.equal(selectMirror(central, [mirror('legacy', '*', { mirrorOfLayouts: 'legacy' })]), undefined);
  assert.equal(
    selectMirror(central, [mirror('both', '*', { mirrorOfLayouts: 'default,legacy' })])?.id,
    'both',
  );
  assert.equal(selectMirror(central, [mirror('not', '*', { mirrorOfLayouts: '*,!default' })]), undefined);
});
