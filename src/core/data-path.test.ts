import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataPathSegments } from './data-path.js';
import { FlotillaError } from './errors.js';

const refused = (given: string, why: RegExp) =>
  assert.throws(
    () => dataPathSegments(given),
    (e: unknown) => e instanceof FlotillaError && e.code === 'DATA_PATH_INVALID' && why.test(e.message),
    given,
  );

describe('dataPathSegments', () => {
  it('splits a relative path into its segments', () => {
    assert.deepEqual(dataPathSegments('words.txt'), ['words.txt']);
    assert.deepEqual(dataPathSegments('in/2026/words 1.txt'), ['in', '2026', 'words 1.txt']);
    assert.deepEqual(
      dataPathSegments('..hidden/a..b'),
      ['..hidden', 'a..b'],
      'dots inside a name are a name',
    );
    assert.deepEqual(dataPathSegments('été/données.csv'), ['été', 'données.csv']);
  });

  it('refuses every way out of the folder and the ambiguous forms', () => {
    refused('', /empty/);
    refused('/etc/passwd', /absolute/);
    refused('../other/x', /"\.\." is not allowed/);
    refused('a/../../x', /"\.\." is not allowed/);
    refused('a/..', /"\.\." is not allowed/);
    refused('./a', /"\." is not allowed/);
    refused('a//b', /empty segment/);
    refused('a/', /empty segment/);
    refused('a\\..\\b', /backslash/);
    refused('a\u0000b', /control character/);
    refused('a\nb', /control character/);
    refused(`${'x'.repeat(256)}.txt`, /longer than 255 bytes/);
    refused(`${'é'.repeat(128)}`, /longer than 255 bytes/);
    refused('a/'.repeat(600) + 'b', /longer than 1024 characters/);
  });

  it("refuses the daemon's own names", () => {
    refused('lost+found/x', /daemon's own/);
    refused('a/.flotilla-upload-1234', /daemon's own/);
    assert.deepEqual(dataPathSegments('a/lost+found'), ['a', 'lost+found'], 'only at the top');
  });
});
