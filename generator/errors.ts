/**
 * The error types every part of tinyfoa throws for something a user can cause, and the one
 * mapping from an error to the process's exit code. The CLI prints such an error as its
 * message alone (no stack trace); anything else is an internal error (exit 70).
 *
 * Exit codes (README, "Exit codes"): 0 success, 1 a check failed (accuracy, bit-exactness,
 * the firmware reported a failure), 2 bad input (model file, flags, data, output path), 3 a
 * tool failed or is missing (compiler, emulator, probe).
 */

/** What kind of failure an error is; each kind has one exit code. */
export type FailureKind = 'check-failed' | 'bad-input' | 'tool-failed';

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 70;

export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}

export function exitCodeFor(kind: FailureKind): 1 | 2 | 3 {
  switch (kind) {
    case 'check-failed':
      return 1;
    case 'bad-input':
      return 2;
    case 'tool-failed':
      return 3;
    default:
      return assertNever(kind);
  }
}

/** Base of every error a user can cause; its message names the thing, the place and what to do. */
export abstract class TinyfoaError extends Error {
  abstract readonly kind: FailureKind;
  get exitCode(): 1 | 2 | 3 {
    return exitCodeFor(this.kind);
  }
}

/** The input was wrong: a model file, a flag, a data set, an output path. Exit 2. */
export class BadInputError extends TinyfoaError {
  readonly kind = 'bad-input' as const;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A check failed: the firmware reported a failure, results differ, accuracy is off. Exit 1. */
export class CheckFailedError extends TinyfoaError {
  readonly kind = 'check-failed' as const;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tool failed or is missing: compiler, emulator, debugger, probe. Exit 3. */
export class ToolFailedError extends TinyfoaError {
  readonly kind = 'tool-failed' as const;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
