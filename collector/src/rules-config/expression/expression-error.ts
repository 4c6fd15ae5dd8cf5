/** A problem in a condition, at a 1-based line and column within the condition's text. */
export class ExpressionError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number) {
    super(message);
    this.name = 'ExpressionError';
    this.line = line;
    this.column = column;
  }
}
