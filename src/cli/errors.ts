import { CommanderError } from 'commander';
import { isFlotillaError } from '../core/errors.js';

/** A failure the CLI itself detects (a timeout, a failed wait); its message is all the user needs. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad arguments found after commander's own checks; exits 2 like commander's usage errors. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/**
 * Prints an error the way every command reports it and returns the exit code: 1 for a failure,
 * 2 for a usage error. Coded errors never show a stack: the code and hint say what to do next.
 */
export function reportError(err: unknown, write: (text: string) => void): number {
  if (err instanceof CommanderError) {
    // commander has already printed its message (or the help text).
    return err.exitCode === 0 ? 0 : 2;
  }
  if (isFlotillaError(err)) {
    write(`error ${err.code}: ${err.message}\n  ${err.hint}\n`);
    return 1;
  }
  if (err instanceof CliError) {
    write(`error: ${err.message}\n`);
    return err.exitCode;
  }
  // Anything else is a bug in the CLI: the stack is what a bug report needs.
  write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}
