/**
 * The `tinyfoa` command line. Exit codes: 0 success, 1 a check failed (accuracy
 * or bit-exactness), 2 bad input (model file, flags, data), 3 a tool failed
 * (compiler, emulator).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ModelError } from '../model/errors.ts';
import { registerCommands } from './commands.ts';
import { CliError } from './errors.ts';

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

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return reportError(e);
  }
}

export function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return 2;
  }
  if (e instanceof ModelError) {
    process.stderr.write(`${e.message}\n`);
    process.stderr.write(`error: ${e.problems.length} problem(s) in the model file; nothing was written\n`);
    return 2;
  }
  if (e instanceof CliError) {
    process.stderr.write(`error: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof InvalidArgumentError) {
    process.stderr.write(`error: ${e.message}\n`);
    return 2;
  }
  if (e instanceof Error && (e.name === 'DataError' || e.name === 'PlanError' || e.name === 'FitError' || e.name === 'RunSetupError')) {
    process.stderr.write(`error: ${e.message}\n`);
    return 2;
  }
  if (e instanceof Error && e.name === 'ToolchainError') {
    process.stderr.write(`error: ${e.message}\n`);
    return 3;
  }
  if (e instanceof Error && e.name === 'FirmwareError') {
    process.stderr.write(`error: ${e.message}\n`);
    return 1;
  }
  const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`internal error: ${msg}\n`);
  return 70;
}
