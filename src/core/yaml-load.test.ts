import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lexerFiles, yamlLexer, yamlLibrary } from './yaml-load.js';

describe('yaml, loaded in parts', () => {
  it("finds the lexer's own files in this release of yaml, the very modules its entry exports", () => {
    const files = lexerFiles();
    assert.ok(files, 'yaml moved its lexer: every scan now loads the whole package (yaml-load.ts)');
    assert.equal(files.Lexer, yamlLibrary().Lexer);
    assert.equal(files.CST, yamlLibrary().CST);
    assert.equal(yamlLexer().Lexer, yamlLibrary().Lexer);
  });
});
