import { InvalidArgumentError } from 'commander';
import { BadInputError } from '../errors.ts';

/** A command-line flag or argument that cannot be used as given (exit 2). */
export class CliError extends BadInputError {}

/** Commander argument parser for whole numbers ≥ min (and ≤ max when given). */
export function wholeNumber(min: number, max?: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}, got '${value}'`);
    if (max !== undefined && n > max) throw new InvalidArgumentError(`expected a whole number ≤ ${max}, got '${value}'`);
    return n;
  };
}
