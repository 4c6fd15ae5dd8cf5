// Turns a condition into a predicate: type-checks every node against CONTEXT_FIELDS, compiles
// regular expressions once, and builds a tree of closures. Nothing here evaluates text as code,
// and fields are read only as own properties of the context, so a condition cannot reach
// prototypes or JavaScript internals (`constructor`, `__proto__` are simply unknown fields).
import { compileLinearRegex, type LinearRegex } from '../../domain/linear-regex.ts';
import type { MessageRef } from '../../messages/format-message.ts';
import { nameHint, part, problem } from '../problem.ts';
import { closestName } from '../spelling.ts';
import type { Expression, LiteralValue, Position } from './ast.ts';
import { CONTEXT_FIELDS, type ContextValue, type FieldSpec, type RuleContext } from './context-fields.ts';
import { ExpressionError } from './expression-error.ts';
import { parseExpression } from './parser.ts';

export interface CompiledCondition {
  readonly source: string;
  /** The context fields the condition reads. */
  readonly fields: readonly string[];
  test(context: RuleContext): boolean;
}

/** Longer patterns are refused; conditions are trusted config, but a 10 KB regex is a mistake. */
export const MAX_PATTERN_LENGTH = 256;

type ValueType = 'string' | 'number' | 'boolean' | 'null' | 'list';
type Evaluate = (context: RuleContext) => ContextValue;

interface Typed {
  type: ValueType;
  evaluate: Evaluate;
  /** Set for field nodes with an enumerated domain. */
  field?: { name: string; spec: FieldSpec };
  /** Set for list literals and plain literals. */
  literal?: { values: LiteralValue[]; at: Position[] };
}

/** Parses, checks and compiles `source`; throws ExpressionError with a line and column. */
export function compileCondition(
  source: string,
  fields: Readonly<Record<string, FieldSpec>> = CONTEXT_FIELDS,
): CompiledCondition {
  const expression = parseExpression(source);
  const used = new Set<string>();
  const typed = check(expression, fields, used);
  if (typed.type !== 'boolean') {
    throw new ExpressionError(
      problem('ruleError.exprNotBoolean', { type: typed.type, source: source.trim() }),
      expression.at.line,
      expression.at.column,
    );
  }
  const evaluate = typed.evaluate;
  return {
    source,
    fields: [...used],
    test: (context) => evaluate(context) === true,
  };
}

function fail(at: Position, message: MessageRef): never {
  throw new ExpressionError(message, at.line, at.column);
}

function check(node: Expression, fields: Readonly<Record<string, FieldSpec>>, used: Set<string>): Typed {
  switch (node.kind) {
    case 'literal': {
      const value = node.value;
      return {
        type: typeOfLiteral(value),
        evaluate: () => value,
        literal: { values: [value], at: [node.at] },
      };
    }
    case 'list': {
      const values = node.items.map((item) => item.value);
      const types = new Set(values.filter((value) => value !== null).map(typeOfLiteral));
      if (types.size > 1) fail(node.at, problem('ruleError.exprMixedList', { types: typeList([...types]) }));
      return {
        type: 'list',
        evaluate: () => null,
        literal: { values, at: node.items.map((item) => item.at) },
      };
    }
    case 'field': {
      const name = node.name;
      if (!Object.hasOwn(fields, name)) {
        const guess = closestName(name, Object.keys(fields));
        const hint =
          guess === undefined
            ? part('ruleWord.knownFields', { names: Object.keys(fields).join(', ') })
            : part('ruleWord.didYouMean', { name: guess });
        fail(node.at, problem('ruleError.exprUnknownField', { name, hint }));
      }
      const spec = fields[name]!;
      used.add(name);
      return { type: spec.type, evaluate: (context) => readField(context, name), field: { name, spec } };
    }
    case 'not': {
      const operand = expectBoolean(check(node.operand, fields, used), node.operand.at, '"not"');
      return { type: 'boolean', evaluate: (context) => operand(context) !== true };
    }
    case 'logical': {
      const what = `"${node.operator}"`;
      const left = expectBoolean(check(node.left, fields, used), node.left.at, what);
      const right = expectBoolean(check(node.right, fields, used), node.right.at, what);
      const evaluate: Evaluate =
        node.operator === 'and'
          ? (context) => left(context) === true && right(context) === true
          : (context) => left(context) === true || right(context) === true;
      return { type: 'boolean', evaluate };
    }
    case 'compare':
      return checkComparison(node, check(node.left, fields, used), check(node.right, fields, used));
    case 'in':
      return checkIn(node, check(node.left, fields, used), check(node.right, fields, used));
    case 'string_op':
      return checkStringOperator(node, check(node.left, fields, used), check(node.right, fields, used));
  }
}

function readField(context: RuleContext, name: string): ContextValue {
  // Own properties only: a context built with a prototype must not leak inherited members.
  if (!Object.hasOwn(context, name)) return null;
  const value = context[name];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

function typeOfLiteral(value: LiteralValue): ValueType {
  if (value === null) return 'null';
  return typeof value as 'string' | 'number' | 'boolean';
}

function expectBoolean(operand: Typed, at: Position, what: string): Evaluate {
  if (operand.type !== 'boolean') {
    const actual =
      operand.field === undefined
        ? part('ruleWord.aType', { type: operand.type })
        : part('ruleWord.theTypedField', { type: operand.type, field: operand.field.name });
    fail(at, problem('ruleError.exprNeedsBooleans', { operator: what, actual }));
  }
  return operand.evaluate;
}

function describeOperand(operand: Typed): MessageRef[] {
  return operand.field === undefined
    ? part('ruleWord.aType', { type: operand.type })
    : part('ruleWord.typedField', { type: operand.type, field: operand.field.name });
}

/** "string and number": the types a list mixes, each named in the reader's language. */
function typeList(types: readonly string[]): MessageRef[] {
  return types
    .map((type) => part('ruleWord.typeName', { type }))
    .reduce((left, right) => part('ruleWord.both', { left, right }));
}

/** Literal strings compared with an enumerated field must be among its values. */
function checkEnumValues(field: Typed['field'], literal: Typed['literal']): void {
  if (field?.spec.values === undefined || literal === undefined) return;
  const allowed = field.spec.values;
  literal.values.forEach((value, index) => {
    if (typeof value === 'string' && !allowed.includes(value)) {
      const guess = closestName(value, allowed);
      const hint = nameHint(guess, allowed);
      fail(literal.at[index]!, problem('ruleError.exprNeverValue', { value, field: field.name, hint }));
    }
  });
}

function checkComparison(node: Extract<Expression, { kind: 'compare' }>, left: Typed, right: Typed): Typed {
  const operator = node.operator;
  if (left.type === 'list' || right.type === 'list') {
    fail(node.at, problem('ruleError.exprCompareList', { operator }));
  }
  const equality = operator === '==' || operator === '!=';
  if (equality) {
    if (left.type !== right.type && left.type !== 'null' && right.type !== 'null') {
      fail(
        node.at,
        problem('ruleError.exprCompareTypes', {
          left: describeOperand(left),
          right: describeOperand(right),
          operator,
        }),
      );
    }
  } else {
    const ordered = left.type === right.type && (left.type === 'number' || left.type === 'string');
    if (!ordered) {
      fail(
        node.at,
        problem('ruleError.exprOrderTypes', {
          operator,
          left: describeOperand(left),
          right: describeOperand(right),
        }),
      );
    }
  }
  checkEnumValues(left.field, right.literal);
  checkEnumValues(right.field, left.literal);
  const a = left.evaluate;
  const b = right.evaluate;
  let evaluate: Evaluate;
  switch (operator) {
    case '==':
      evaluate = (context) => (a(context) ?? null) === (b(context) ?? null);
      break;
    case '!=':
      evaluate = (context) => (a(context) ?? null) !== (b(context) ?? null);
      break;
    default: {
      const ordering = ORDERINGS[operator];
      // A missing value (null) or a value of the wrong type at run time never satisfies an ordering.
      evaluate = (context) => {
        const x = a(context);
        const y = b(context);
        if (x === null || y === null || x === undefined || y === undefined || typeof x !== typeof y)
          return false;
        return ordering(x as number | string, y as number | string);
      };
    }
  }
  return { type: 'boolean', evaluate };
}

const ORDERINGS: Record<'<' | '<=' | '>' | '>=', (x: number | string, y: number | string) => boolean> = {
  '<': (x, y) => x < y,
  '<=': (x, y) => x <= y,
  '>': (x, y) => x > y,
  '>=': (x, y) => x >= y,
};

function checkIn(node: Extract<Expression, { kind: 'in' }>, left: Typed, right: Typed): Typed {
  const keyword = node.negated ? '"not in"' : '"in"';
  if (right.type !== 'list' || right.literal === undefined) {
    fail(node.at, problem('ruleError.exprInNeedsList', { keyword, example: 'region in ["西藏", "新疆"]' }));
  }
  if (left.type === 'list' || left.type === 'boolean') {
    fail(node.at, problem('ruleError.exprInLeft', { keyword, actual: describeOperand(left) }));
  }
  const itemTypes = new Set(right.literal.values.filter((value) => value !== null).map(typeOfLiteral));
  const [itemType] = itemTypes;
  if (itemType !== undefined && left.type !== 'null' && itemType !== left.type) {
    fail(node.at, problem('ruleError.exprInItemType', { keyword, left: describeOperand(left), itemType }));
  }
  checkEnumValues(left.field, right.literal);
  const members = new Set<ContextValue>(right.literal.values);
  const value = left.evaluate;
  const negated = node.negated;
  return { type: 'boolean', evaluate: (context) => members.has(value(context) ?? null) !== negated };
}

function checkStringOperator(
  node: Extract<Expression, { kind: 'string_op' }>,
  left: Typed,
  right: Typed,
): Typed {
  const operator = node.operator;
  if (left.type !== 'string')
    fail(node.at, problem('ruleError.exprStringLeft', { operator, actual: describeOperand(left) }));
  if (right.type !== 'string')
    fail(node.at, problem('ruleError.exprStringRight', { operator, actual: describeOperand(right) }));
  const a = left.evaluate;
  const b = right.evaluate;
  if (operator === 'matches') {
    if (right.literal === undefined) fail(node.at, problem('ruleError.exprPatternField'));
    const pattern = right.literal.values[0] as string;
    const regex = compilePattern(pattern, right.literal.at[0]!);
    return {
      type: 'boolean',
      evaluate: (context) => {
        const text = a(context);
        return typeof text === 'string' && regex.test(text);
      },
    };
  }
  const test =
    operator === 'contains'
      ? (text: string, part: string) => text.includes(part)
      : (text: string, part: string) => text.startsWith(part);
  return {
    type: 'boolean',
    evaluate: (context) => {
      const text = a(context);
      const part = b(context);
      return typeof text === 'string' && typeof part === 'string' && test(text, part);
    },
  };
}

/** RE2, so a rule's pattern costs linear time per event, whatever an event's text holds. */
function compilePattern(pattern: string, at: Position): LinearRegex {
  if (pattern.length > MAX_PATTERN_LENGTH)
    fail(at, problem('ruleError.exprPatternTooLong', { max: String(MAX_PATTERN_LENGTH) }));
  try {
    return compileLinearRegex(pattern);
  } catch (error) {
    return fail(at, problem('ruleError.exprRegex', { detail: (error as Error).message }));
  }
}
