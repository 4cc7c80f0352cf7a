import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { CommanderError } from 'commander';
import { ERRORS, FlotillaError } from '../core/errors.js';
import { CliError, reportError, UsageError } from './errors.js';
import { run, type Io } from './program.js';

function capture(): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    stdout: () => out,
    stderr: () => err,
  };
}

describe('reportError', () => {
  it('prints a coded error as its code and message, then its hint, without a stack; exit 1', () => {
    let text = '';
    const code = reportError(new FlotillaError('STACK_NOT_FOUND', 'no stack "dev"'), (t) => (text += t));
    assert.equal(code, 1);
    assert.equal(text, `error STACK_NOT_FOUND: no stack "dev"\n  ${ERRORS.STACK_NOT_FOUND.hint}\n`);
    assert.ok(!text.includes('    at '));
  });

  it("prints the CLI's own failures by message, with their exit code", () => {
    let text = '';
    assert.equal(
      reportError(new CliError('stack dev is not ready'), (t) => (text += t)),
      1,
    );
    assert.equal(text, 'error: stack dev is not ready\n');
    assert.equal(
      reportError(new UsageError('name the stack'), () => undefined),
      2,
    );
  });

  it("maps commander's errors to exit 2, and its help display to 0", () => {
    assert.equal(
      reportError(new CommanderError(1, 'commander.unknownCommand', 'x'), () => undefined),
      2,
    );
    assert.equal(
      reportError(new CommanderError(0, 'commander.helpDisplayed', 'x'), () => undefined),
      0,
    );
  });

  it('shows the stack of an unexpected error: it is a bug to report', () => {
    let text = '';
    assert.equal(
      reportError(new TypeError('boom'), (t) => (text += t)),
      1,
    );
    assert.match(text, /^error: TypeError: boom\n\s+at /);
  });
});

describe('run', () => {
  before(() => {
    // Should a command reach for the daemon after all, it fails instead of starting one.
    process.env.FLOTILLA_ADDR = 'http://127.0.0.1:1';
  });

  it('exits 2 on an unknown command', async () => {
    const io = capture();
    assert.equal(await run(['bogus'], io), 2);
    assert.match(io.stderr(), /unknown command 'bogus'/);
  });

  it('exits 2 on a missing option or a bad argument', async () => {
    assert.equal(await run(['up'], capture()), 2);
    const io = capture();
    assert.equal(await run(['app', 'scale', 'web', 'many'], io), 2);
    assert.match(io.stderr(), /whole number/);
  });

  it('exits 2 when down has neither a name nor a file', async () => {
    const io = capture();
    assert.equal(await run(['down'], io), 2);
    assert.match(io.stderr(), /^error: name the stack/);
  });

  it('exits 1 with code and hint on stderr when the stack file cannot be read', async () => {
    const io = capture();
    assert.equal(await run(['up', '-f', '/nonexistent/dev.yaml'], io), 1);
    const [first, second] = io.stderr().split('\n');
    assert.match(first ?? '', /^error STACK_INVALID: cannot read the stack file \/nonexistent\/dev\.yaml/);
    assert.equal(second, `  ${ERRORS.STACK_INVALID.hint}`);
    assert.equal(io.stdout(), '');
  });

  it('exits 0 after printing the help', async () => {
    const io = capture();
    assert.equal(await run(['--help'], io), 0);
    assert.match(io.stdout(), /Usage: flotilla/);
  });

  describe('--json makes every error one JSON object on stderr (issue 16, defect 5)', () => {
    const parsed = (text: string) => {
      const lines = text.trim().split('\n');
      assert.equal(lines.length, 1, text);
      return JSON.parse(lines[0]!) as { code: string; message: string; hint: string };
    };

    it('a coded error', async () => {
      const io = capture();
      assert.equal(await run(['up', '--json', '-f', '/nonexistent/dev.yaml'], io), 1);
      const e = parsed(io.stderr());
      assert.equal(e.code, 'STACK_INVALID');
      assert.match(e.message, /\/nonexistent\/dev\.yaml/);
      assert.equal(e.hint, ERRORS.STACK_INVALID.hint);
    });

    it("commander's usage errors and the CLI's own", async () => {
      let io = capture();
      assert.equal(await run(['ps', '--json', '--bogus'], io), 2);
      assert.equal(parsed(io.stderr()).code, 'USAGE_INVALID');
      assert.match(parsed(io.stderr()).message, /unknown option '--bogus'/);
      io = capture();
      assert.equal(await run(['down', '--json'], io), 2);
      assert.deepEqual(
        { ...parsed(io.stderr()), hint: '' },
        { code: 'USAGE_INVALID', message: 'name the stack, or give its file with -f', hint: '' },
      );
    });
  });

  it('FLOTILLA_ADDR that is not a URL is a coded error, not a TypeError', async () => {
    const saved = process.env.FLOTILLA_ADDR;
    process.env.FLOTILLA_ADDR = 'notaurl';
    try {
      const io = capture();
      assert.equal(await run(['ps'], io), 1);
      assert.match(
        io.stderr(),
        /^error VALIDATION_FAILED: FLOTILLA_ADDR=notaurl: give the daemon's address as an http:\/\/ URL/,
      );
      assert.doesNotMatch(io.stderr(), /TypeError| {4}at /);
    } finally {
      process.env.FLOTILLA_ADDR = saved;
    }
  });
});
