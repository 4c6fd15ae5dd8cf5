// Rewrites a condition of the original rule language into CEL with the same meaning:
// `and or not` → `&& || !`, `x not in [..]` → `!(x in [..])`, `a contains b` → `a.contains(b)`
// (likewise startsWith and matches). Printed from the syntax tree, so precedence is explicit:
// CEL binds `!` tighter than comparisons, where the old `not` was looser, hence `!(a == b)`.
// Null semantics carry over through the CEL environment (cel-env.ts), not through the text.
import type { Expression, LiteralValue } from '../../collector/src/rules-config/expression/ast.ts';
import { parseExpression } from '../../collector/src/rules-config/expression/parser.ts';

/** The CEL text of an old-syntax condition; throws ExpressionError if `source` does not parse. */
export function toCel(source: string): string {
  return print(parseExpression(source), 'top');
}

type Place = 'top' | 'or' | 'and' | 'operand';

function print(node: Expression, place: Place): string {
  switch (node.kind) {
    case 'literal':
      return literal(node.value);
    case 'field':
      return node.name;
    case 'list':
      return `[${node.items.map((item) => literal(item.value)).join(', ')}]`;
    case 'not':
      return `!${atom(node.operand)}`;
    case 'logical': {
      const operator = node.operator === 'and' ? '&&' : '||';
      const text = `${print(node.left, node.operator)} ${operator} ${print(node.right, node.operator)}`;
      // `a || b` inside `&&`, and anything logical as an operand, needs its parentheses back.
      const bare = place === 'top' || place === node.operator || (place === 'or' && node.operator === 'and');
      return bare ? text : `(${text})`;
    }
    case 'compare':
      return wrap(`${atom(node.left)} ${node.operator} ${atom(node.right)}`, place);
    case 'in': {
      const text = `${atom(node.left)} in ${atom(node.right)}`;
      return node.negated ? `!(${text})` : wrap(text, place);
    }
    case 'string_op':
      return `${atom(node.left)}.${node.operator}(${print(node.right, 'top')})`;
  }
}

/** A relation is bare only where nothing binds tighter around it. */
function wrap(text: string, place: Place): string {
  return place === 'operand' ? `(${text})` : text;
}

/** An operand of a relation, of `!` or the receiver of a method: parenthesised unless atomic. */
function atom(node: Expression): string {
  if (node.kind === 'literal' || node.kind === 'field' || node.kind === 'list') return print(node, 'operand');
  if (node.kind === 'string_op' || (node.kind === 'in' && node.negated) || node.kind === 'not')
    return print(node, 'operand');
  const text = print(node, 'top');
  return `(${text})`;
}

function literal(value: LiteralValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Number.isSafeInteger(value)) return String(value);
  const text = String(value);
  // CEL reads digits without a point or exponent as int64; keep other numbers doubles.
  return /[.eE]/.test(text) ? text : `${text}.0`;
}
