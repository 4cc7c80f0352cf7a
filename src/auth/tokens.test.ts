import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashSecret, mintToken, parseToken, secretMatches } from './tokens.js';

test('a minted token parses back to its id and secret, and only its secret matches the hash', () => {
  const t = mintToken();
  const parsed = parseToken(t.token);
  assert.deepEqual(parsed, { id: t.id, secret: t.secret });
  assert.equal(t.hash, hashSecret(t.secret));
  assert.ok(secretMatches(t.secret, t.hash));
  const flipped = t.secret.slice(0, -1) + (t.secret.endsWith('A') ? 'B' : 'A');
  assert.equal(secretMatches(flipped, t.hash), false);
  assert.ok(!t.hash.includes(t.secret));
});

test('malformed tokens do not parse', () => {
  for (const bad of [
    '',
    'flt_',
    'Bearer x',
    `flt_${'0'.repeat(16)}_short`,
    `xyz_${'0'.repeat(16)}_${'a'.repeat(43)}`,
  ]) {
    assert.equal(parseToken(bad), null, bad);
  }
});
