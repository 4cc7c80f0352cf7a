import { CommanderError } from 'commander';
import { FlotillaError, isFlotillaError, type ErrorBody, type ErrorCode } from '../core/errors.js';

/** A failure the CLI itself detects (a timeout, a failed wait); its message is all the user needs. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The code a script reads under --json. */
    readonly code: ErrorCode = 'INTERNAL',
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad arguments found after commander's own checks; exits 2 like commander's usage errors. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2, 'USAGE_INVALID');
    this.name = 'UsageError';
  }
}

/** Whether a command line asks for --json (before a `--`), known before commander parses it. */
export function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * Prints an error the way every command reports it and returns the exit code: 1 for a failure,
 * 2 for a usage error. Coded errors never show a stack: the code and hint say what to do next.
 * Under --json every error is one JSON object on stderr ({code, message, hint}), for scripts.
 */
export function reportError(err: unknown, write: (text: string) => void, json = false): number {
  const { body, exitCode, human } = describe(err);
  if (body === null) return exitCode;
  write(json ? `${JSON.stringify(body)}\n` : human);
  return exitCode;
}

function describe(err: unknown): { body: ErrorBody | null; exitCode: number; human: string } {
  if (err instanceof CommanderError) {
    // commander has printed its message already, unless --json silenced it (then it is ours to print).
    if (err.exitCode === 0) return { body: null, exitCode: 0, human: '' };
    return { body: coded('USAGE_INVALID', err.message.replace(/^error: /, '')), exitCode: 2, human: '' };
  }
  if (isFlotillaError(err)) {
    return { body: err.toJSON(), exitCode: 1, human: `error ${err.code}: ${err.message}\n  ${err.hint}\n` };
  }
  if (err instanceof CliError) {
    return { body: coded(err.code, err.message), exitCode: err.exitCode, human: `error: ${err.message}\n` };
  }
  // Anything else is a bug in the CLI: the stack is what a bug report needs.
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { body: coded('INTERNAL', text), exitCode: 1, human: `error: ${text}\n` };
}

function coded(code: ErrorCode, message: string): ErrorBody {
  return new FlotillaError(code, message).toJSON();
}
