import type { MessageRef } from '../../messages/format-message.ts';
import { englishText } from '../problem.ts';

/**
 * A problem in a condition, at a 1-based line and column within the condition's text; `message`
 * is the English rendering of `problem`.
 */
export class ExpressionError extends Error {
  readonly problem: MessageRef;
  readonly line: number;
  readonly column: number;

  constructor(problem: MessageRef, line: number, column: number) {
    super(englishText(problem));
    this.problem = problem;
    this.name = 'ExpressionError';
    this.line = line;
    this.column = column;
  }
}
