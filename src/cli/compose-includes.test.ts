import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readComposeRequest } from './compose-files.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-includes-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(file: string, text: string): string {
  const full = path.join(dir, file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, text);
  return full;
}

describe('the variables of included files', () => {
  it('sends the entries of the environment that included files and their env files refer to', () => {
    const main = write(
      'compose.yaml',
      [
        'name: inc',
        'include:',
        '  - path: ./db/compose.yaml',
        '    env_file: ./db.env',
        '  - ./missing/compose.yaml',
        '  - ./${INCLUDE_DIR}/compose.yaml',
        'services:',
        '  web:',
        '    image: nginx:${WEB_TAG}',
        '',
      ].join('\n'),
    );
    write('db.env', 'DB_USER=${DB_USER_FROM_SHELL}\n');
    write(
      'db/compose.yaml',
      [
        'include: [./deep/compose.yaml]',
        'services:',
        '  db:',
        '    image: postgres:${DB_TAG}',
        '    command: echo $$NOT_A_REFERENCE',
        '    environment:',
        '      - BARE',
        '',
      ].join('\n'),
    );
    write('db/deep/compose.yaml', 'services:\n  deep:\n    image: x:${DEEP_TAG}\n');
    write('db/deep/.env', 'X=${FROM_DEEP_DOTENV}\n');
    const env = {
      WEB_TAG: '1',
      DB_TAG: '16',
      DB_USER_FROM_SHELL: 'ann',
      BARE: 'b',
      DEEP_TAG: 'd',
      FROM_DEEP_DOTENV: 'e',
      NOT_A_REFERENCE: 'no',
      INCLUDE_DIR: 'elsewhere',
      UNRELATED: 'no',
    };
    const request = readComposeRequest({ file: [main], profile: [], envFile: [] }, env);
    assert.deepEqual(request.variables, {
      WEB_TAG: '1',
      DB_USER_FROM_SHELL: 'ann',
      DB_TAG: '16',
      BARE: 'b',
      DEEP_TAG: 'd',
      FROM_DEEP_DOTENV: 'e',
      INCLUDE_DIR: 'elsewhere',
    });
  });
});
