import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as KEYS from './compose-keys.js';
import { closest, editDistance } from './compose-keys.js';

const DOC = path.resolve(import.meta.dirname, '../../../docs/compose.md');

describe('the Compose key tables', () => {
  it('suggest the closest key for a typo, and none for a word that is not near any', () => {
    assert.equal(editDistance('enviroment', 'environment'), 1);
    assert.equal(editDistance('prots', 'ports'), 1, 'a swapped pair counts once');
    const service = Object.keys(KEYS.SERVICE_KEYS);
    assert.equal(closest('enviroment', service), 'environment');
    assert.equal(closest('healtcheck', service), 'healthcheck');
    assert.equal(closest('Image', service), 'image');
    assert.equal(closest('depends-on', service), 'depends_on');
    assert.equal(closest('zzzzzzzz', service), undefined);
  });

  it('are all in docs/compose.md, each key with what Flotilla does with it', () => {
    const doc = fs.readFileSync(DOC, 'utf8');
    const tables = Object.entries(KEYS).filter(([n]) => n.endsWith('_KEYS')) as [string, KEYS.KeyTable][];
    assert.ok(tables.length >= 15);
    for (const [name, table] of tables) {
      for (const [key, what] of Object.entries(table)) {
        assert.ok(doc.includes(`${key}\``), `${name}.${key} is not in docs/compose.md`);
        if (what !== true) assert.ok(doc.includes(what.replace(/\|/g, '\\|')), `${name}.${key}: "${what}"`);
      }
    }
  });
});
