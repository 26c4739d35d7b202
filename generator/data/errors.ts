import { BadInputError } from '../errors.ts';

/**
 * The one error type the data loaders throw. Its message always names the file
 * or directory involved, says what was wrong, and says what to do about it, so
 * the CLI can print it as is (no stack trace needed).
 */
export class DataError extends BadInputError {}
