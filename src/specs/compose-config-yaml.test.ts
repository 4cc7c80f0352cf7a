import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sortGoKeys } from './compose-config-values.js';
import { GoFloat, goYaml } from './compose-config-yaml.js';

// What Docker Compose v5.6.0 printed for these strings (an x- list in a file run through
// `docker compose config`), and for these keys: the emitter must write the same text.
const STRINGS = [
  'yes',
  '1:30',
  '0x1F',
  '1e5',
  '2001-12-14',
  '.5',
  '- a',
  'a: b',
  'a #b',
  '#a',
  'tab\there',
  'trailing ',
  'line\nbreak',
  'line \nbreak',
  '  lead\nx',
  'end\n\n',
  'noend\nx',
  "it's 'quoted' ok",
  'null',
  '~',
  '-',
  '?',
  ':x',
  '@x',
  '%x',
  'x,y[z]',
  'é unicode',
  'a very long double quoted string that resolves to nothing special but has a tab\t and goes on and on and on past eighty columns for sure',
  ' a very long single quoted string because it starts with a space and goes on and on and on and on past eighty columns for sure yes ',
  '1_000',
  '+1',
  '-.5',
  'Off',
  '0o17',
];

const PRINTED = [
  'x-s:',
  "  - 'yes'",
  "  - '1:30'",
  '  - "0x1F"',
  '  - "1e5"',
  '  - "2001-12-14"',
  '  - ".5"',
  "  - '- a'",
  "  - 'a: b'",
  "  - 'a #b'",
  "  - '#a'",
  '  - "tab\\there"',
  "  - 'trailing '",
  '  - |-',
  '    line',
  '    break',
  '  - "line \\nbreak"',
  '  - |2-',
  '      lead',
  '    x',
  '  - |+',
  '    end',
  '',
  '  - |-',
  '    noend',
  '    x',
  "  - it's 'quoted' ok",
  '  - "null"',
  '  - "~"',
  "  - '-'",
  "  - '?'",
  '  - :x',
  "  - '@x'",
  "  - '%x'",
  '  - x,y[z]',
  '  - é unicode',
  '  - "a very long double quoted string that resolves to nothing special but has a tab\\t',
  '    and goes on and on and on past eighty columns for sure"',
  "  - ' a very long single quoted string because it starts with a space and goes on",
  "    and on and on and on past eighty columns for sure yes '",
  '  - "1_000"',
  '  - "+1"',
  '  - "-.5"',
  "  - 'Off'",
  '  - "0o17"',
];

describe('compose config YAML, as go-yaml writes it', () => {
  it('quotes, folds and writes blocks as Compose does', () => {
    assert.equal(goYaml({ 'x-s': STRINGS }), PRINTED.join('\n') + '\n');
  });

  it('sorts map keys as Go does', () => {
    const keys = ['b10', 'b9', 'B', 'a', '_x', '01', 'a0', 'a00', '-x'];
    assert.deepEqual(Object.keys(sortGoKeys(Object.fromEntries(keys.map((k) => [k, 1])))), [
      '-x',
      '_x',
      '01',
      'B',
      'a',
      'a0',
      'a00',
      'b9',
      'b10',
    ]);
  });

  it('writes numbers, empty collections, null and nested lists as Compose does', () => {
    const doc = { 'x-a': 1, 'x-d': {}, 'x-e': [], 'x-f': null, 'x-g': [['x', 'y'], { h: true }] };
    const printed = "x-a: 1\nx-d: {}\nx-e: []\nx-f: null\nx-g:\n  - - x\n    - 'y'\n  - h: true\n";
    assert.equal(goYaml(doc), printed);
    assert.equal(goYaml({ cpus: new GoFloat(0.5), max: new GoFloat(2) }), 'cpus: 0.5\nmax: 2\n');
  });
});
