// Splits a condition into tokens, each with its line and column. Only the characters of the
// language are accepted; anything else is an error at its position.
import type { MessageRef } from '../../messages/format-message.ts';
import { problem } from '../problem.ts';
import { ExpressionError } from './expression-error.ts';

export type TokenKind = 'number' | 'string' | 'identifier' | 'operator' | 'punctuation' | 'end';

export interface Token {
  kind: TokenKind;
  /** Identifier name, operator or punctuation text, or the decoded string literal. */
  text: string;
  /** Numeric value for `number` tokens. */
  value?: number;
  line: number;
  column: number;
}

/** Longer conditions are refused: a rule condition is a line or two, not a program. */
export const MAX_EXPRESSION_LENGTH = 4096;

const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
const NUMBER = /[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  '"': '"',
  "'": "'",
  n: '\n',
  t: '\t',
  r: '\r',
};

/** Operators from other languages, and what this one writes instead. */
const MISTAKES: Readonly<Record<string, string>> = {
  '&&': 'and',
  '||': 'or',
  '=': '==',
  '!': 'not',
  '===': '==',
  '!==': '!=',
};

function mistake(written: string): MessageRef {
  const instead = MISTAKES[written]!;
  return /^[a-z]+$/.test(instead)
    ? problem('ruleError.exprUseWord', { written, instead })
    : problem('ruleError.exprUseOperator', { instead });
}

export function tokenize(source: string): Token[] {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(problem('ruleError.exprTooLong', { max: String(MAX_EXPRESSION_LENGTH) }), 1, 1);
  }
  const tokens: Token[] = [];
  let index = 0;
  let line = 1;
  let lineStart = 0;
  const fail = (message: MessageRef, at = index): never => {
    throw new ExpressionError(message, line, at - lineStart + 1);
  };

  while (index < source.length) {
    const char = source[index]!;
    const column = index - lineStart + 1;
    if (char === '\n') {
      index++;
      line++;
      lineStart = index;
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r') {
      index++;
      continue;
    }
    if (IDENTIFIER_START.test(char)) {
      let end = index + 1;
      while (end < source.length && IDENTIFIER_PART.test(source[end]!)) end++;
      tokens.push({ kind: 'identifier', text: source.slice(index, end), line, column });
      index = end;
      continue;
    }
    if (DIGIT.test(char)) {
      NUMBER.lastIndex = index;
      const match = NUMBER.exec(source)!;
      const end = index + match[0].length;
      if (end < source.length && IDENTIFIER_PART.test(source[end]!)) {
        fail(problem('ruleError.exprBadNumber', { text: source.slice(index, end + 1) }));
      }
      const value = Number(match[0]);
      if (!Number.isFinite(value)) fail(problem('ruleError.exprNumberTooLarge', { text: match[0] }));
      tokens.push({ kind: 'number', text: match[0], value, line, column });
      index = end;
      continue;
    }
    if (char === '"' || char === "'") {
      const start = index;
      let text = '';
      index++;
      for (;;) {
        if (index >= source.length || source[index] === '\n')
          fail(problem('ruleError.exprUnterminatedString'), start);
        const next = source[index]!;
        if (next === char) break;
        if (next === '\\') {
          const escaped = source[index + 1];
          if (escaped === 'u') {
            const hex = source.slice(index + 2, index + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(problem('ruleError.exprBadUnicodeEscape'));
            text += String.fromCharCode(Number.parseInt(hex, 16));
            index += 6;
            continue;
          }
          const decoded =
            escaped !== undefined && Object.hasOwn(ESCAPES, escaped) ? ESCAPES[escaped] : undefined;
          if (decoded === undefined)
            fail(problem('ruleError.exprUnknownEscape', { escape: `\\${escaped ?? ''}` }));
          text += decoded;
          index += 2;
          continue;
        }
        text += next;
        index++;
      }
      index++;
      tokens.push({ kind: 'string', text, line, column });
      continue;
    }
    const three = source.slice(index, index + 3);
    const two = source.slice(index, index + 2);
    if (Object.hasOwn(MISTAKES, three)) fail(mistake(three));
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'operator', text: two, line, column });
      index += 2;
      continue;
    }
    if (Object.hasOwn(MISTAKES, two)) fail(mistake(two));
    if (char === '<' || char === '>') {
      tokens.push({ kind: 'operator', text: char, line, column });
      index++;
      continue;
    }
    if (Object.hasOwn(MISTAKES, char)) fail(mistake(char));
    if ('()[],-'.includes(char)) {
      tokens.push({ kind: 'punctuation', text: char, line, column });
      index++;
      continue;
    }
    fail(problem('ruleError.exprUnexpectedChar', { char }));
  }
  tokens.push({ kind: 'end', text: '', line, column: index - lineStart + 1 });
  return tokens;
}
