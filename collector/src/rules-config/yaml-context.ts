// What every cursor of one YAML file shares: the parsed document, its line index and the list
// problems are reported to, with their line and column in the file.
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { LoadError } from './load-error.ts';

export class FileContext {
  constructor(
    readonly file: string,
    readonly doc: Document,
    readonly lines: LineCounter,
    readonly errors: LoadError[],
    readonly text: string,
  ) {}

  report(node: Node | undefined, rule: string | undefined, field: string, message: string): void {
    this.reportAt(node?.range?.[0], rule, field, message);
  }

  /** Reports at a character offset into the file (no position when it is unknown). */
  reportAt(offset: number | undefined, rule: string | undefined, field: string, message: string): void {
    const error: LoadError = { file: this.file, field, message };
    if (rule !== undefined) error.rule = rule;
    if (offset !== undefined) {
      const pos = this.lines.linePos(offset);
      error.line = pos.line;
      error.column = pos.col;
    }
    this.errors.push(error);
  }

  /**
   * The file offset of a 1-based line/column inside a string scalar's value, where the value maps
   * onto the source one to one (plain or quoted without escapes on one line, or a literal `|`
   * block); undefined elsewhere.
   */
  offsetInValue(node: Node | undefined, line: number, column: number): number | undefined {
    if (node === undefined || !isScalar(node) || typeof node.value !== 'string' || !node.range)
      return undefined;
    const value = node.value;
    const [start, end] = node.range;
    const raw = this.text.slice(start, end);
    switch (node.type) {
      case 'PLAIN':
        return line === 1 && raw === value ? start + column - 1 : undefined;
      case 'QUOTE_SINGLE':
      case 'QUOTE_DOUBLE':
        return line === 1 && raw.slice(1, -1) === value ? start + column : undefined;
      case 'BLOCK_LITERAL': {
        // Header line, then the content lines, each indented by the block's indentation.
        const contentStart = raw.indexOf('\n') + 1;
        if (contentStart === 0) return undefined;
        const lines = raw.slice(contentStart).split('\n');
        const first = lines.find((text) => text.trim() !== '');
        const indent = first === undefined ? 0 : first.length - first.trimStart().length;
        if (line > lines.length) return undefined;
        const before = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
        return start + contentStart + before + indent + column - 1;
      }
      default:
        return undefined;
    }
  }
}

/** How a value is named in "must be …, not …" messages. */
export function describeNode(node: Node | undefined): string {
  if (node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const value = node.value;
    if (value === null) return 'null';
    if (typeof value === 'string') return `the string "${value}"`;
    return `${typeof value} ${String(value)}`;
  }
  return 'an unsupported YAML value';
}
