// Type-checks a parsed CEL condition against CONTEXT_FIELDS, with the checks the conditions had
// before CEL: unknown fields (with a spelling hint), a literal that is never a value of an
// enumerated field, operands of the wrong type, a non-boolean condition, invalid or over-long
// regular expressions. Conditions use a subset of CEL that covers what rules compare: literals,
// fields, lists, `! && ||`, `== != < <= > >=`, `in`, and the string methods `contains`,
// `startsWith`, `endsWith`, `matches`. Anything else is refused at its position rather than left
// to fail, or to mean something surprising, at run time.
// Only identifiers among the known fields pass, so no condition can name `__proto__`, `constructor`
// or anything else the evaluator would find on an object's prototype.
import type { parse } from '@bufbuild/cel';
import { compileLinearRegex, type LinearRegex } from '../../collector/src/domain/linear-regex.ts';
import type { Position } from '../../collector/src/rules-config/expression/ast.ts';
import type { FieldSpec } from '../../collector/src/rules-config/expression/context-fields.ts';
import { closestName } from '../../collector/src/rules-config/spelling.ts';
import { CelConditionError } from './cel-error.ts';

type Parsed = ReturnType<typeof parse>;
type CelExpr = Parsed['expr'];
type LiteralValue = string | number | boolean | null;
type ValueType = 'string' | 'number' | 'boolean' | 'null' | 'list';

/** Longer patterns are refused; conditions are trusted config, but a 10 KB regex is a mistake. */
export const MAX_CEL_PATTERN_LENGTH = 256;
/** Deeper nesting is refused so that hostile input cannot exhaust the stack. */
export const MAX_CEL_NESTING = 256;

interface Typed {
  type: ValueType;
  /** For lists: the type of the items that are not null, if any. */
  item?: ValueType;
  field?: { name: string; spec: FieldSpec };
  /** Set for literals and for lists whose items are all literals. */
  literal?: { values: LiteralValue[]; at: Position[] };
}

export interface CheckedCondition {
  fields: string[];
  patterns: Map<string, LinearRegex>;
}

const ORDERINGS = new Set(['_<_', '_<=_', '_>_', '_>=_']);
const OPERATOR_TEXT: Readonly<Record<string, string>> = {
  '_==_': '==',
  '_!=_': '!=',
  '_<_': '<',
  '_<=_': '<=',
  '_>_': '>',
  '_>=_': '>=',
  '_&&_': '&&',
  '_||_': '||',
  '!_': '!',
  '@in': 'in',
};

export function checkCelCondition(
  parsed: Parsed,
  source: string,
  fields: Readonly<Record<string, FieldSpec>>,
): CheckedCondition {
  const positions = parsed.sourceInfo?.positions ?? {};
  const at = (expr: CelExpr): Position => positionOf(source, positions[expr.id.toString()] ?? 0);
  const fail = (expr: CelExpr, message: string): never => {
    const where = at(expr);
    throw new CelConditionError(message, where.line, where.column);
  };
  const used = new Set<string>();
  const patterns = new Map<string, LinearRegex>();

  const describe = (operand: Typed): string =>
    operand.field === undefined ? `a ${operand.type}` : `${operand.field.name} (${operand.type})`;

  const enumValues = (field: Typed['field'], literal: Typed['literal']): void => {
    if (field?.spec.values === undefined || literal === undefined) return;
    const allowed = field.spec.values;
    literal.values.forEach((value, index) => {
      if (typeof value === 'string' && !allowed.includes(value)) {
        const guess = closestName(value, allowed);
        const hint =
          guess === undefined ? `expected one of ${allowed.join(', ')}` : `did you mean "${guess}"?`;
        const where = literal.at[index]!;
        throw new CelConditionError(
          `"${value}" is never a value of ${field.name}; ${hint}`,
          where.line,
          where.column,
        );
      }
    });
  };

  const boolean = (expr: CelExpr, what: string, depth: number): void => {
    const operand = check(expr, depth);
    if (operand.type !== 'boolean') {
      const name =
        operand.field === undefined
          ? `a ${operand.type}`
          : `the ${operand.type} field "${operand.field.name}"`;
      fail(expr, `"${what}" needs true/false operands, but this is ${name}`);
    }
  };

  const check = (expr: CelExpr, depth: number): Typed => {
    if (depth > MAX_CEL_NESTING) fail(expr, `condition is nested more than ${MAX_CEL_NESTING} levels deep`);
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr': {
        const constant = kind.value.constantKind;
        let value: LiteralValue;
        switch (constant.case) {
          case 'nullValue':
            value = null;
            break;
          case 'boolValue':
          case 'stringValue':
          case 'doubleValue':
            value = constant.value;
            break;
          case 'int64Value':
            value = Number(constant.value);
            break;
          case 'uint64Value':
            value = Number(constant.value);
            break;
          default:
            return fail(expr, 'only strings, numbers, true, false and null are values in conditions');
        }
        return { type: typeOfLiteral(value), literal: { values: [value], at: [at(expr)] } };
      }
      case 'identExpr': {
        const name = kind.value.name;
        if (!Object.hasOwn(fields, name)) {
          const guess = closestName(name, Object.keys(fields));
          const hint =
            guess === undefined
              ? `known fields: ${Object.keys(fields).join(', ')}`
              : `did you mean "${guess}"?`;
          fail(expr, `unknown field "${name}"; ${hint}`);
        }
        const spec = fields[name]!;
        used.add(name);
        return { type: spec.type, field: { name, spec } };
      }
      case 'listExpr': {
        const items = kind.value.elements.map((element) => check(element, depth + 1));
        const types = new Set(items.filter((item) => item.type !== 'null').map((item) => item.type));
        if (types.has('list')) fail(expr, 'lists cannot hold lists');
        if (types.size > 1)
          fail(expr, `list mixes ${[...types].join(' and ')} values; use one type per list`);
        const [item] = types;
        const literal = items.every((entry) => entry.literal !== undefined && entry.field === undefined)
          ? {
              values: items.flatMap((entry) => entry.literal!.values),
              at: items.flatMap((entry) => entry.literal!.at),
            }
          : undefined;
        return { type: 'list', ...(item === undefined ? {} : { item }), ...(literal ? { literal } : {}) };
      }
      case 'callExpr':
        return checkCall(expr, kind.value, depth);
      case 'selectExpr':
        return fail(
          expr,
          `fields have no members: "${kind.value.field}" cannot be read from a value; known fields are read by name`,
        );
      case 'comprehensionExpr':
        return fail(expr, 'macros (has, all, exists, map, filter) are not available in conditions');
      default:
        return fail(expr, 'this kind of expression is not available in conditions');
    }
  };

  const checkCall = (
    expr: CelExpr,
    call: Extract<CelExpr['exprKind'], { case: 'callExpr' }>['value'],
    depth: number,
  ): Typed => {
    const name = call.function;
    const args = call.args;
    if (call.target !== undefined) return checkMethod(expr, name, call.target, args, depth);
    switch (name) {
      case '_&&_':
      case '_||_':
        for (const arg of args) boolean(arg, OPERATOR_TEXT[name]!, depth + 1);
        return { type: 'boolean' };
      case '!_':
        boolean(args[0]!, '!', depth + 1);
        return { type: 'boolean' };
      case '_==_':
      case '_!=_':
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_': {
        const operator = OPERATOR_TEXT[name]!;
        const left = check(args[0]!, depth + 1);
        const right = check(args[1]!, depth + 1);
        if (left.type === 'list' || right.type === 'list')
          fail(expr, `"${operator}" cannot compare a list; use "in [ … ]"`);
        if (ORDERINGS.has(name)) {
          const ordered = left.type === right.type && (left.type === 'number' || left.type === 'string');
          if (!ordered)
            fail(
              expr,
              `"${operator}" needs two numbers or two strings, not ${describe(left)} and ${describe(right)}`,
            );
        } else if (left.type !== right.type && left.type !== 'null' && right.type !== 'null') {
          fail(expr, `cannot compare ${describe(left)} with ${describe(right)} using "${operator}"`);
        }
        enumValues(left.field, right.literal);
        enumValues(right.field, left.literal);
        return { type: 'boolean' };
      }
      case '@in': {
        const left = check(args[0]!, depth + 1);
        const right = check(args[1]!, depth + 1);
        if (right.type !== 'list')
          fail(expr, '"in" needs a list on its right, e.g. region in ["西藏", "新疆"]');
        if (left.type === 'list' || left.type === 'boolean')
          fail(expr, `"in" needs a string or number on its left, not ${describe(left)}`);
        if (right.item !== undefined && left.type !== 'null' && right.item !== left.type)
          fail(expr, `"in" compares ${describe(left)} with a list of ${right.item}s`);
        enumValues(left.field, right.literal);
        return { type: 'boolean' };
      }
      case '-_':
        return fail(expr, 'only number literals can be negative in conditions');
      default: {
        const text = OPERATOR_TEXT[name] ?? name.replace(/^_|_$/g, '').replace(/_/g, ' ');
        return fail(expr, `"${text}" is not available in conditions`);
      }
    }
  };

  const checkMethod = (
    expr: CelExpr,
    name: string,
    target: CelExpr,
    args: CelExpr[],
    depth: number,
  ): Typed => {
    if (name !== 'contains' && name !== 'startsWith' && name !== 'endsWith' && name !== 'matches')
      fail(expr, `"${name}()" is not available in conditions; use contains, startsWith, endsWith or matches`);
    if (args.length !== 1) fail(expr, `"${name}()" takes one string`);
    const receiver = check(target, depth + 1);
    const argument = check(args[0]!, depth + 1);
    if (receiver.type !== 'string')
      fail(expr, `"${name}()" needs a string before it, not ${describe(receiver)}`);
    if (argument.type !== 'string')
      fail(expr, `"${name}()" needs a string argument, not ${describe(argument)}`);
    if (name === 'matches') {
      const pattern = argument.literal?.values[0];
      if (typeof pattern !== 'string' || argument.field !== undefined)
        fail(expr, '"matches()" needs a string literal pattern, not a field');
      const where = argument.literal!.at[0]!;
      const refuse = (message: string): never => {
        throw new CelConditionError(message, where.line, where.column);
      };
      if ((pattern as string).length > MAX_CEL_PATTERN_LENGTH)
        refuse(`pattern is longer than ${MAX_CEL_PATTERN_LENGTH} characters`);
      try {
        patterns.set(pattern as string, compileLinearRegex(pattern as string));
      } catch (error) {
        refuse(`invalid regular expression: ${(error as Error).message}`);
      }
    }
    return { type: 'boolean' };
  };

  const result = check(parsed.expr, 0);
  if (result.type !== 'boolean') {
    fail(
      parsed.expr,
      `a condition must be true or false, but this is a ${result.type}; compare it, e.g. "${source.trim()} == …"`,
    );
  }
  return { fields: [...used], patterns };
}

function typeOfLiteral(value: LiteralValue): ValueType {
  if (value === null) return 'null';
  return typeof value as 'string' | 'number' | 'boolean';
}

/** 1-based line and column of a character offset in `source`. */
export function positionOf(source: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < source.length; index++) {
    if (source[index] === '\n') {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
