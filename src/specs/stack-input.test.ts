import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appsOf, servicesOf } from '../core/declaration.js';
import { isFlotillaError } from '../core/errors.js';
import { parseStack } from './stack.js';

/** The code and message a parse fails with. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isFlotillaError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  assert.fail('expected a coded error');
}

const withEnv = (value: string, extra = '') =>
  `name: v\nservices:\n  cache: { package: redis }\napps:\n  a:\n    cmd: sleep 9\n    env: { Y: "${value}" }\n${extra}`;

describe('variables and references in a stack file (issue 16, defect 4)', () => {
  it('an unset variable is blank and named in a warning, never literal text', () => {
    const spec = parseStack(withEnv('[${UNDEFINED_VAR}]'));
    assert.equal(appsOf(spec)[0]!.env.Y, '[]');
    assert.deepEqual(spec.warnings, ['the variable UNDEFINED_VAR is not set: it is read as an empty string']);
  });

  it("takes variables from the request, with Compose's default and required forms", () => {
    const env = (value: string, vars: Record<string, string> = {}) =>
      appsOf(parseStack(withEnv(value), undefined, vars))[0]!.env.Y;
    assert.equal(env('${REGION}', { REGION: 'eu' }), 'eu');
    assert.equal(env('${REGION:-us}'), 'us');
    assert.equal(env('${REGION:+set}', { REGION: 'eu' }), 'set');
    assert.equal(env('$${REGION}'), '${REGION}');
    assert.match(
      failure(() => env('${TOKEN:?give a token}')),
      /STACK_INVALID: .*TOKEN is required: give a token/,
    );
  });

  it('resolves variables in service options too, and leaves the shell its own in cmd', () => {
    const spec = parseStack(
      'name: v\nservices:\n  cache: { package: redis, options: { password: "${PW}" } }\n' +
        'apps:\n  a: { cmd: "echo ${HOME} $PORT0" }\n',
      undefined,
      { PW: 's3cret' },
    );
    assert.equal(servicesOf(spec)[0]!.options.password, 's3cret');
    assert.equal(appsOf(spec)[0]!.cmd, 'echo ${HOME} $PORT0');
    assert.equal(spec.warnings, undefined);
  });

  it('refuses a reference that resolves to nothing, with STACK_REFERENCE_UNKNOWN', () => {
    assert.match(
      failure(() => parseStack(withEnv('${cache}'))),
      /STACK_REFERENCE_UNKNOWN: .*without a field.*\$\{cache\.url\}/,
    );
    assert.match(
      failure(() => parseStack(withEnv('${a.b.c}'))),
      /STACK_REFERENCE_UNKNOWN: .*neither a/,
    );
    assert.match(
      failure(() => parseStack(withEnv('${nosuch.url}'))),
      /STACK_REFERENCE_UNKNOWN: .*no service of this stack \(it has cache\)/,
    );
    assert.match(
      failure(() => parseStack(withEnv('${a.url}'))),
      /STACK_REFERENCE_UNKNOWN: .*the app "a"/,
    );
    assert.match(
      failure(() => parseStack('name: v\napps:\n  a: { cmd: "echo ${a.b.c}" }\n')),
      /STACK_REFERENCE_UNKNOWN: stack\.apps\.a\.cmd/,
    );
  });
});

describe('stack file messages (issue 16, defect 6)', () => {
  it('a missing package is required, not "must be a string"', () => {
    assert.match(
      failure(() => parseStack('name: p\nservices:\n  cache: { options: {} }\n')),
      /STACK_INVALID: stack\.services\.cache\.package: is required/,
    );
  });

  it('a YAML merge key shares fields between apps', () => {
    const merged = parseStack(
      'name: m\napps:\n  a: &a { cmd: sleep 9, cpus: 0.1, mem: 32 }\n  b:\n    <<: *a\n    mem: 64\n',
    );
    assert.deepEqual(
      appsOf(merged).map((a) => [a.id, a.cmd, a.cpus, a.mem]),
      [
        ['a', 'sleep 9', 0.1, 32],
        ['b', 'sleep 9', 0.1, 64],
      ],
    );
  });
});
