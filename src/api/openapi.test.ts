import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { OPENAPI_FILE, openapiDocument } from './openapi.js';

test('docs/openapi.json is the document the API serves (run `npm run openapi` after changing a route)', async () => {
  const doc = (await openapiDocument()) as { openapi: string; paths: Record<string, unknown> };
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.paths['/v1/stacks/{name}'], 'stacks route documented');
  assert.deepEqual(JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8')), doc);
});
