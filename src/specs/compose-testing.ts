// Fixtures shared by the compose*.test.ts files.
import { appsOf } from '../core/declaration.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { stringify } from 'yaml';
import type { AppSpec } from '../core/app.js';
import { FlotillaError } from '../core/errors.js';
import { parseCompose, type ComposeOptions } from './compose.js';

/** The folder the Compose files of a test file are read from; removed when that file's tests end. */
export const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-compose-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A Compose file from an object, parsed as stack "demo" from `dir`. */
export function compose(doc: object, opts: ComposeOptions = {}) {
  return parseCompose(stringify(doc), { name: 'demo', directory: dir, ...opts });
}

/** The app of one service `web` with the given body (next to any `extra` top-level keys). */
export function web(body: object, extra: object = {}, opts: ComposeOptions = {}): AppSpec {
  return appsOf(compose({ services: { web: { image: 'nginx:1.27', ...body } }, ...extra }, opts))[0]!;
}

export function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FlotillaError, String(err));
    return `${err.code}: ${err.message}`;
  }
  return assert.fail('expected an error');
}

/** The warnings of a file with one service `web` (and `extra` top-level keys), the ports note left out. */
export function warningsOf(body: object, extra: object = {}): string[] {
  const spec = compose({ services: { web: { image: 'nginx:1.27', ...body } }, ...extra });
  return (spec.warnings ?? []).filter((w) => !w.startsWith('ports: '));
}
