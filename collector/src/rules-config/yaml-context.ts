// What every cursor of one YAML file shares: the parsed document, its line index and the list
// problems are reported to, with their line and column in the file.
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { MessageRef } from '../messages/format-message.ts';
import type { LoadError } from './load-error.ts';
import { englishText, part } from './problem.ts';

export class FileContext {
  constructor(
    readonly file: string,
    readonly doc: Document,
    readonly lines: LineCounter,
    readonly errors: LoadError[],
    readonly text: string,
  ) {}

  report(node: Node | undefined, rule: string | undefined, field: string, message: MessageRef): void {
    this.reportAt(node?.range?.[0], rule, field, message);
  }

  /** Reports at a character offset into the file (no position when it is unknown). */
  reportAt(offset: number | undefined, rule: string | undefined, field: string, message: MessageRef): void {
    const error: LoadError = { file: this.file, field, message: englishText(message), message_ref: message };
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
export function describeNode(node: Node | undefined): MessageRef[] {
  if (node === undefined) return part('ruleWord.nothing');
  if (isMap(node)) return part('ruleWord.aMapping');
  if (isSeq(node)) return part('ruleWord.aList');
  if (isScalar(node)) {
    const value = node.value;
    if (value === null) return part('ruleWord.null');
    if (typeof value === 'string') return part('ruleWord.theString', { text: value });
    if (typeof value === 'number') return part('ruleWord.number', { value: String(value) });
    if (typeof value === 'boolean') return part('ruleWord.boolean', { value: String(value) });
    return part('ruleWord.otherScalar', { type: typeof value, value: String(value) });
  }
  return part('ruleWord.unsupported');
}
