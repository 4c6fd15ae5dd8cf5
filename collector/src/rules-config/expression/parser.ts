// Recursive-descent parser for conditions. Precedence, loosest first:
//   or  <  and  <  not  <  comparison (== != < <= > >= in, not in, contains, startsWith, matches)
// Comparisons do not chain (`a < b < c` is an error), so every comparison has one meaning.

import type { MessageRef } from '../../messages/format-message.ts';
import { part, problem } from '../problem.ts';
import type { ComparisonOperator, Expression, LiteralValue, Position } from './ast.ts';
import { ExpressionError } from './expression-error.ts';
import { type Token, tokenize } from './tokenizer.ts';

/** Deeper nesting is refused so that hostile input cannot exhaust the stack. */
export const MAX_NESTING = 32;
const MAX_LIST_ITEMS = 1000;

const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'in',
  'contains',
  'startsWith',
  'matches',
  'true',
  'false',
  'null',
]);
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

export function parseExpression(source: string): Expression {
  return new Parser(tokenize(source)).parseAll();
}

class Parser {
  #index = 0;
  #depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parseAll(): Expression {
    if (this.peek().kind === 'end') throw this.error(this.peek(), problem('ruleError.exprEmpty'));
    const expression = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'end') {
      const hint = COMPARISONS.has(rest.text) ? part('ruleWord.chainedComparison') : [];
      throw this.error(rest, problem('ruleError.exprUnexpected', { found: describe(rest), hint }));
    }
    return expression;
  }

  private peek(): Token {
    return this.tokens[this.#index]!;
  }

  private next(): Token {
    const token = this.tokens[this.#index]!;
    if (token.kind !== 'end') this.#index++;
    return token;
  }

  private isWord(token: Token, word: string): boolean {
    return token.kind === 'identifier' && token.text === word;
  }

  private error(token: Token, message: MessageRef): ExpressionError {
    return new ExpressionError(message, token.line, token.column);
  }

  private enter(token: Token): void {
    this.#depth++;
    if (this.#depth > MAX_NESTING)
      throw this.error(token, problem('ruleError.exprTooDeep', { max: String(MAX_NESTING) }));
  }

  private parseOr(): Expression {
    let left = this.parseAnd();
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { kind: 'logical', operator: 'or', left, right: this.parseAnd(), at: left.at };
    }
    return left;
  }

  private parseAnd(): Expression {
    let left = this.parseNot();
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { kind: 'logical', operator: 'and', left, right: this.parseNot(), at: left.at };
    }
    return left;
  }

  private parseNot(): Expression {
    const token = this.peek();
    if (this.isWord(token, 'not')) {
      this.next();
      this.enter(token);
      const operand = this.parseNot();
      this.#depth--;
      return { kind: 'not', operand, at: at(token) };
    }
    return this.parseComparison();
  }

  private parseComparison(): Expression {
    const left = this.parseOperand();
    const token = this.peek();
    if (token.kind === 'operator' && COMPARISONS.has(token.text)) {
      this.next();
      const right = this.parseOperand();
      return { kind: 'compare', operator: token.text as ComparisonOperator, left, right, at: at(token) };
    }
    if (this.isWord(token, 'in')) {
      this.next();
      return { kind: 'in', negated: false, left, right: this.parseOperand(), at: at(token) };
    }
    if (this.isWord(token, 'not') && this.isWord(this.tokens[this.#index + 1]!, 'in')) {
      this.next();
      this.next();
      return { kind: 'in', negated: true, left, right: this.parseOperand(), at: at(token) };
    }
    if (this.isWord(token, 'contains') || this.isWord(token, 'startsWith') || this.isWord(token, 'matches')) {
      this.next();
      const operator = token.text as 'contains' | 'startsWith' | 'matches';
      return { kind: 'string_op', operator, left, right: this.parseOperand(), at: at(token) };
    }
    return left;
  }

  private parseOperand(): Expression {
    const token = this.next();
    if (token.kind === 'punctuation' && token.text === '(') {
      this.enter(token);
      const inner = this.parseOr();
      this.#depth--;
      const close = this.next();
      if (close.text !== ')' || close.kind !== 'punctuation') {
        throw this.error(
          close,
          problem('ruleError.exprUnclosedParen', { line: String(token.line), column: String(token.column) }),
        );
      }
      return inner;
    }
    if (token.kind === 'punctuation' && token.text === '[') return this.parseList(token);
    const literal = this.literal(token);
    if (literal !== undefined) return { kind: 'literal', value: literal.value, at: at(token) };
    if (token.kind === 'identifier') {
      if (KEYWORDS.has(token.text))
        throw this.error(token, problem('ruleError.exprKeywordAsValue', { keyword: token.text }));
      return { kind: 'field', name: token.text, at: at(token) };
    }
    throw this.error(token, problem('ruleError.exprExpectedOperand', { found: describe(token) }));
  }

  /** A literal starting at `token` (already consumed), or undefined if it is not one. */
  private literal(token: Token): { value: LiteralValue } | undefined {
    if (token.kind === 'number') return { value: token.value! };
    if (token.kind === 'string') return { value: token.text };
    if (token.kind === 'punctuation' && token.text === '-') {
      const number = this.next();
      if (number.kind !== 'number')
        throw this.error(number, problem('ruleError.exprExpectedNumber', { found: describe(number) }));
      return { value: -number.value! };
    }
    if (this.isWord(token, 'true')) return { value: true };
    if (this.isWord(token, 'false')) return { value: false };
    if (this.isWord(token, 'null')) return { value: null };
    return undefined;
  }

  private parseList(open: Token): Expression {
    const items: Array<{ value: LiteralValue; at: Position }> = [];
    if (this.peek().kind === 'punctuation' && this.peek().text === ']') {
      this.next();
      return { kind: 'list', items, at: at(open) };
    }
    for (;;) {
      const token = this.next();
      const literal = this.literal(token);
      if (literal === undefined) {
        throw this.error(token, problem('ruleError.exprListItem', { found: describe(token) }));
      }
      if (items.length === MAX_LIST_ITEMS)
        throw this.error(token, problem('ruleError.exprListTooLong', { max: String(MAX_LIST_ITEMS) }));
      items.push({ value: literal.value, at: at(token) });
      const separator = this.next();
      if (separator.kind === 'punctuation' && separator.text === ']') break;
      if (separator.kind !== 'punctuation' || separator.text !== ',') {
        throw this.error(
          separator,
          problem('ruleError.exprListSeparator', { line: String(open.line), column: String(open.column) }),
        );
      }
    }
    return { kind: 'list', items, at: at(open) };
  }
}

function at(token: Token): Position {
  return { line: token.line, column: token.column };
}

function describe(token: Token): MessageRef[] {
  switch (token.kind) {
    case 'end':
      return part('ruleWord.endOfCondition');
    case 'string':
      return part('ruleWord.theString', { text: token.text });
    case 'number':
      return part('ruleWord.theNumber', { text: token.text });
    case 'identifier':
      return KEYWORDS.has(token.text)
        ? part('ruleWord.theKeyword', { text: token.text })
        : part('ruleWord.quoted', { text: token.text });
    default:
      return part('ruleWord.quoted', { text: token.text });
  }
}
