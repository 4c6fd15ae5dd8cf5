// A condition the CEL candidate refuses, at a 1-based line and column. Its wording is the
// candidate's own English (the product's conditions report catalogue messages instead).
export class CelConditionError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'CelConditionError';
  }
}
