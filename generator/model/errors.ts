import { BadInputError } from '../errors.ts';

/** Problems found in a model file, each with its position and the offending source line. */
export interface ModelProblem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
  /** The source line the position is on (without newline). */
  sourceLine: string;
}

export function formatProblem(p: ModelProblem): string {
  const head = `${p.file}:${p.line}:${p.column}: ${p.message}`;
  // A problem with the file itself (not found, wrong kind) has no source line to show.
  if (p.sourceLine === '') return head;
  const caret = ' '.repeat(Math.max(0, p.column - 1)) + '^';
  return `${head}\n    ${p.sourceLine}\n    ${caret}`;
}

/** Thrown when a model file cannot become an IR. Carries every problem found. */
export class ModelError extends BadInputError {
  constructor(readonly problems: ModelProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}
