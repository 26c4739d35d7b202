/**
 * The `tinyfoa` command line. Exit codes come from the error's kind alone
 * (generator/errors.ts): 0 success, 1 a check failed, 2 bad input, 3 a tool failed.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ModelError } from '../model/errors.ts';
import { registerCommands } from './commands.ts';
import { EXIT_INTERNAL, EXIT_OK, exitCodeFor, TinyfoaError } from '../errors.ts';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tinyfoa')
    .description(
      'Compile a TypeScript model into C firmware that trains itself on Cortex-M microcontrollers with TinyFoA,\n' +
        'simulate it bit for bit in TypeScript, and verify the firmware against the simulator in QEMU.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  registerCommands(program);
  return program;
}

/**
 * A reader that stops early (`tinyfoa memory m.ts | head -3`) closes the pipe: that ends
 * the command quietly, as for any Unix tool, instead of an unhandled EPIPE stack trace.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK);
    throw err;
  });
}

export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe(process.stdout);
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return reportError(e);
  }
}

/** Prints an error for the user and returns the exit code: the one mapping is exitCodeFor (generator/errors.ts). */
export function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT_OK;
    // Help shown because no command was given is a usage error; `tinyfoa help` is not.
    if (e.code === 'commander.help') return e.exitCode === 0 ? EXIT_OK : exitCodeFor('bad-input');
    return exitCodeFor('bad-input');
  }
  if (e instanceof InvalidArgumentError) {
    process.stderr.write(`error: ${e.message}\n`);
    return exitCodeFor('bad-input');
  }
  if (e instanceof ModelError) {
    process.stderr.write(`${e.message}\n`);
    process.stderr.write(`error: ${e.problems.length} problem(s) in the model file; nothing was written\n`);
    return e.exitCode;
  }
  if (e instanceof TinyfoaError) {
    process.stderr.write(`error: ${e.message}\n`);
    return e.exitCode;
  }
  const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`internal error (please report it): ${msg}\n`);
  return EXIT_INTERNAL;
}
