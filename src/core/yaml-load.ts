import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Yaml from 'yaml';

/**
 * The yaml package, loaded when a text is first read rather than when a module that may read one is
 * imported. The package is CommonJS, so `require` gives it synchronously and the readers stay
 * synchronous. Its entry loads all of its 72 modules, about 50 ms of every CLI start; `flotilla up`
 * only scans its file with the lexer (16 of them), and most commands read no YAML at all.
 */
const require = createRequire(import.meta.url);

let library: typeof Yaml | undefined;

export function yamlLibrary(): typeof Yaml {
  return (library ??= require('yaml') as typeof Yaml);
}

export type YamlLexer = Pick<typeof Yaml, 'Lexer' | 'CST'>;

let lexer: YamlLexer | undefined;

/**
 * The lexer and its token types alone, from the files the package's entry re-exports them from (the
 * same modules: `yamlLibrary().Lexer` is this `Lexer`). A yaml release that moves them falls back to
 * the whole package; yaml-load.test.ts says so when that happens.
 */
export function yamlLexer(): YamlLexer {
  return (lexer ??= lexerFiles() ?? yamlLibrary());
}

export function lexerFiles(): YamlLexer | undefined {
  try {
    const parse = path.join(path.dirname(require.resolve('yaml/package.json')), 'dist', 'parse');
    const { Lexer } = require(path.join(parse, 'lexer.js')) as Pick<typeof Yaml, 'Lexer'>;
    const CST = require(path.join(parse, 'cst.js')) as typeof Yaml.CST;
    if (typeof Lexer === 'function' && typeof CST.tokenType === 'function') return { Lexer, CST };
  } catch {
    // a layout this release of yaml does not have
  }
  return undefined;
}
