import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FlotillaError } from '../core/errors.js';
import { resolveBinary } from './binaries.js';
import {
  describePackage,
  getPackage,
  listPackages,
  redactEndpoints,
  redactOptions,
  validateOptions,
} from './registry.js';

function rejects(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FlotillaError, `expected a FlotillaError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('catalog registry', () => {
  const redis = getPackage('redis');

  it('lists and describes the packages', () => {
    assert.ok(listPackages().some((p) => p.name === 'redis'));
    const d = describePackage(redis);
    assert.equal(d.name, 'redis');
    assert.deepEqual(d.binaries, [{ name: 'redis-server', install: 'sudo apt-get install -y redis-server' }]);
    assert.equal(d.optionsSchema, redis.optionsSchema);
  });

  it('fills in defaults without touching the caller object', () => {
    const given = { replicas: 2 };
    const options = validateOptions(redis, given);
    assert.deepEqual(options, {
      port: 0,
      replicas: 2,
      maxmemoryPolicy: 'noeviction',
      persistence: 'aof',
      cpus: 0.5,
      mem: 256,
    });
    assert.deepEqual(given, { replicas: 2 });
    assert.deepEqual(validateOptions(redis, undefined), validateOptions(redis, {}));
  });

  it('names an unknown option and suggests the closest one', () => {
    rejects(
      () => validateOptions(redis, { replica: 1 }),
      'PACKAGE_OPTIONS_INVALID',
      /unknown option "replica" for package redis \(did you mean "replicas"\?\)/,
    );
    rejects(() => validateOptions(redis, { zzzzzz: 1 }), 'PACKAGE_OPTIONS_INVALID', /known options: port, /);
  });

  it('names the path and expected type of a wrong value', () => {
    rejects(
      () => validateOptions(redis, { port: 'six' }),
      'PACKAGE_OPTIONS_INVALID',
      /option "port" of package redis must be of type integer, got string/,
    );
    rejects(() => validateOptions(redis, { replicas: 6 }), 'PACKAGE_OPTIONS_INVALID', /"replicas".*<= 5/);
    rejects(
      () => validateOptions(redis, { persistence: 'rdb' }),
      'PACKAGE_OPTIONS_INVALID',
      /one of "aof", "none"/,
    );
    rejects(
      () => validateOptions(redis, [1]),
      'PACKAGE_OPTIONS_INVALID',
      /must be of type object, got array/,
    );
  });

  it('never echoes a secret value in an error', () => {
    assert.throws(
      () => validateOptions(redis, { password: 123456789 }),
      (err: FlotillaError) => /"password"/.test(err.message) && !err.message.includes('123456789'),
    );
  });

  it('redacts writeOnly options', () => {
    const options = validateOptions(redis, { password: 's3cret' });
    const shown = redactOptions(redis, options);
    assert.equal(shown.password, '********');
    assert.equal(shown.port, 0);
    assert.equal(options.password, 's3cret');
    assert.equal(redactOptions(redis, { port: 1 }).password, undefined);
  });

  it('redacts secret options in endpoint values, as given and as a URL carries them', () => {
    const options = { port: 0, password: 'a b/c' };
    const endpoints = [
      {
        name: 'redis',
        addresses: ['127.0.0.1:1'],
        values: { url: 'redis://default:a%20b%2Fc@127.0.0.1:1', password: 'a b/c', host: '127.0.0.1' },
      },
    ];
    const shown = redactEndpoints(redis, options, endpoints);
    assert.deepEqual(shown[0]!.values, {
      url: 'redis://default:********@127.0.0.1:1',
      password: '********',
      host: '127.0.0.1',
    });
    assert.equal(endpoints[0]!.values.password, 'a b/c');
    assert.equal(redactEndpoints(redis, { port: 0 }, endpoints), endpoints);
  });

  it('rejects an unknown package or version, listing what exists', () => {
    rejects(
      () => getPackage('nosuch'),
      'PACKAGE_NOT_FOUND',
      /"nosuch".*known: cassandra, kafka, redis, spark, zookeeper/,
    );
    rejects(() => getPackage('redis', '0.0.0'), 'PACKAGE_NOT_FOUND', /no version 0\.0\.0/);
    assert.equal(getPackage('redis', redis.version), redis);
  });
});

describe('resolveBinary', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flotilla-bin-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a program on PATH and returns its absolute path', () => {
    const bin = path.join(dir, 'flotilla-fake-tool');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    assert.equal(resolveBinary('flotilla-fake-tool', 'x', { PATH: `relative:${dir}` }), bin);
  });

  it('honours FLOTILLA_BIN_<NAME> and reports a missing program with its install command', () => {
    assert.equal(resolveBinary('my-tool', 'x', { FLOTILLA_BIN_MY_TOOL: '/bin/sh' }), '/bin/sh');
    rejects(
      () => resolveBinary('no-such-server', 'sudo apt-get install -y no-such-server', { PATH: dir }),
      'BINARY_MISSING',
      /^no-such-server is not installed on this machine: run "sudo apt-get install -y no-such-server"$/,
    );
    rejects(
      () => resolveBinary('my-tool', 'x', { FLOTILLA_BIN_MY_TOOL: path.join(dir, 'nope') }),
      'BINARY_MISSING',
      /FLOTILLA_BIN_MY_TOOL/,
    );
  });
});
