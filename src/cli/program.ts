import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerCommands } from './commands/index.js';
import { reportError, wantsJson } from './errors.js';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

function version(): string {
  const require = createRequire(import.meta.url);
  // dist/src/cli/ when built, src/cli/ in the source tree.
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      return (require(rel) as { version: string }).version;
    } catch {
      // try the other layout
    }
  }
  return '0.0.0';
}

const GLOBAL_OPTIONS: [string, string][] = [
  ['--json', 'machine output: print the API result as JSON'],
  ['--home <dir>', 'the Flotilla home (default: $FLOTILLA_HOME, else ~/.flotilla)'],
  ['--tenant <name>', 'act for this tenant (cluster admins; default: $FLOTILLA_TENANT, else your own)'],
];

/**
 * The global options are declared on every command that runs something too: the program's own
 * options stop at the subcommand (else its --version would swallow `package install --version`),
 * yet `flotilla ps --json` must work.
 */
function addGlobalOptions(cmd: Command): void {
  for (const sub of cmd.commands) {
    if (sub.commands.length > 0) addGlobalOptions(sub);
    else for (const [flags, description] of GLOBAL_OPTIONS) sub.option(flags, description);
  }
}

/**
 * `json`: commander's own messages are not printed; the error is reported once, as JSON. `argv`: the
 * command line it will parse, so that only the command it names is loaded (all without it).
 */
export async function createProgram(io: Io = stdio, json = false, argv?: string[]): Promise<Command> {
  const program = new Command('flotilla')
    .description('Erects, runs, heals, scales and tears down multi-node big-data stacks.')
    .version(version(), '-V, --version')
    .enablePositionalOptions()
    // Subcommands created afterwards inherit both: errors come back to `run`, output goes to `io`.
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: json ? () => undefined : io.err })
    .showHelpAfterError(json ? false : '(run with --help for usage)');
  for (const [flags, description] of GLOBAL_OPTIONS) program.option(flags, description);
  await registerCommands(program, argv);
  addGlobalOptions(program);
  return program;
}

/** Runs one command line (`argv` without node and the script) and returns the exit code. */
export async function run(argv: string[], io: Io = stdio): Promise<number> {
  const json = wantsJson(argv);
  try {
    await (await createProgram(io, json, argv)).parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err, io.err, json);
  }
}
