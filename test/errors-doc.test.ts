import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { ERRORS } from '../src/core/errors.js';

test('docs/errors.md documents every error code with its status, and nothing else', () => {
  const doc = fs.readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map(
    [...doc.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [m[1]!, Number(m[2])] as const),
  );
  for (const [code, { status }] of Object.entries(ERRORS)) {
    assert.equal(rows.get(code), status, `docs/errors.md must list ${code} with status ${status}`);
  }
  for (const code of rows.keys())
    assert.ok(code in ERRORS, `docs/errors.md lists ${code}, which the registry lacks`);
});
