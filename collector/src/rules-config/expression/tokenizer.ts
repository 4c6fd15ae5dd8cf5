// Splits a condition into tokens, each with its line and column. Only the characters of the
// language are accepted; anything else is an error at its position.
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

const MISTAKES: Readonly<Record<string, string>> = {
  '&&': "use 'and' instead of '&&'",
  '||': "use 'or' instead of '||'",
  '=': "use '==' to compare",
  '!': "use 'not' instead of '!'",
  '===': "use '==' to compare",
  '!==': "use '!=' to compare",
};

export function tokenize(source: string): Token[] {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`condition is longer than ${MAX_EXPRESSION_LENGTH} characters`, 1, 1);
  }
  const tokens: Token[] = [];
  let index = 0;
  let line = 1;
  let lineStart = 0;
  const fail = (message: string, at = index): never => {
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
        fail(`invalid number "${source.slice(index, end + 1)}"`);
      }
      const value = Number(match[0]);
      if (!Number.isFinite(value)) fail(`number "${match[0]}" is too large`);
      tokens.push({ kind: 'number', text: match[0], value, line, column });
      index = end;
      continue;
    }
    if (char === '"' || char === "'") {
      const start = index;
      let text = '';
      index++;
      for (;;) {
        if (index >= source.length || source[index] === '\n') fail('unterminated string', start);
        const next = source[index]!;
        if (next === char) break;
        if (next === '\\') {
          const escaped = source[index + 1];
          if (escaped === 'u') {
            const hex = source.slice(index + 2, index + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('\\u must be followed by four hex digits');
            text += String.fromCharCode(Number.parseInt(hex, 16));
            index += 6;
            continue;
          }
          const decoded =
            escaped !== undefined && Object.hasOwn(ESCAPES, escaped) ? ESCAPES[escaped] : undefined;
          if (decoded === undefined) fail(`unknown escape "\\${escaped ?? ''}" in string`);
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
    if (Object.hasOwn(MISTAKES, three)) fail(MISTAKES[three]!);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'operator', text: two, line, column });
      index += 2;
      continue;
    }
    if (Object.hasOwn(MISTAKES, two)) fail(MISTAKES[two]!);
    if (char === '<' || char === '>') {
      tokens.push({ kind: 'operator', text: char, line, column });
      index++;
      continue;
    }
    if (Object.hasOwn(MISTAKES, char)) fail(MISTAKES[char]!);
    if ('()[],-'.includes(char)) {
      tokens.push({ kind: 'punctuation', text: char, line, column });
      index++;
      continue;
    }
    fail(`unexpected character "${char}"`);
  }
  tokens.push({ kind: 'end', text: '', line, column: index - lineStart + 1 });
  return tokens;
}
