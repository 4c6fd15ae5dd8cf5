// Which orders a backtest needs to replay at all: a conservative SQL test over an order's stored
// events, derived from the draft rules' conditions. It is a superset by construction: every order
// a rule can fire on passes, so replaying only the orders that pass gives exactly the full replay's
// firings (an order's fold and its rules' holds bits depend on its own events only).
//
// Why that holds: a condition is evaluated on one event with its order's state, and every order
// fact in the context (amount, region, channel, status) was copied from some earlier event's
// payload of the same order (applyOrderEvent). So a literal test on a field that holds when a rule
// fires held on some stored event of the order: an atom becomes "some event of the order has it"
// (bool_or), `and`/`or` keep their shape over those, and whatever is not understood (negations,
// `!=`, null, field against field, patterns, times) becomes TRUE, which only widens the set.
// Pure: SQL text and its parameters, nothing run here.

import type { Expression, LiteralValue } from '../rules-config/expression/ast.ts';
import { parseExpression } from '../rules-config/expression/parser.ts';

/** What a draft rule contributes: its condition as written and the stores it is limited to. */
export interface PreselectableRule {
  when: string;
  /** Non-empty: the rule only holds on events of these stores. */
  stores: readonly string[];
}

export interface OrderPreselection {
  /** Over one `events` row: a bigint with bit i set when test i holds on it (0: the row cannot help). */
  rowMask: string;
  /** Over the rows of one order grouped by order_id, with their masks in a column `mask` (a HAVING clause). */
  orderFilter: string;
  /** Values for $firstParam, $firstParam+1, … in both texts. */
  params: unknown[];
}

type Need =
  | { kind: 'all' }
  | { kind: 'none' }
  /**
   * `render` gives the SQL once the tree is final, so only the atoms kept get parameters. `own`:
   * it reads only the event's own fields, so it holds on the very event a rule fires on.
   */
  | { kind: 'atom'; own: boolean; render: (param: Param) => string; sql?: string; bit?: bigint }
  | { kind: 'and' | 'or'; parts: Need[] };

const ALL: Need = { kind: 'all' };
const NONE: Need = { kind: 'none' };

/** Event columns the context reads as they are. */
const COLUMNS: Readonly<Record<string, string>> = {
  type: 'type',
  source: 'source',
  order_id: 'order_id',
  store_id: 'store_id',
};

/** Context string fields and the payload key the value comes from (on the event or, for order facts, an earlier event of the order). */
const PAYLOAD_STRINGS: Readonly<Record<string, string>> = {
  status: 'status',
  order_status: 'status',
  region: 'region',
  channel: 'channel',
  provider: 'provider',
  transaction_id: 'transactionId',
  carrier: 'carrier',
  tracking_no: 'trackingNo',
  state: 'state',
  location: 'location',
  destination_region: 'destinationRegion',
};

const PAYLOAD_NUMBERS: Readonly<Record<string, string>> = { amount_fen: 'amountFen' };

/** Fields the context may take from the order (an earlier event) rather than the event itself. */
const ORDER_FACTS = new Set(['amount_fen', 'region', 'channel', 'order_status']);

/** Bits of the row mask (a bigint). */
const MAX_ATOMS = 62;

/**
 * The test for a set of draft rules (an order passes when it could fire any of them), with
 * parameters numbered from `firstParam`; undefined when some rule could fire on any order (the
 * full replay is needed).
 */
export function orderPreselection(
  rules: readonly PreselectableRule[],
  firstParam: number,
): OrderPreselection | undefined {
  const need = or(
    rules.map((rule) => {
      const stores = [...rule.stores];
      const scope: Need =
        stores.length === 0 ? ALL : atom('store_id', (param) => `store_id = ANY(${param(stores, 'text[]')})`);
      return and([scope, translate(parseExpression(rule.when))]);
    }),
  );
  if (need.kind === 'all') return undefined;
  const params: unknown[] = [];
  const param: Param = (value, cast) => {
    params.push(value);
    return `$${firstParam + params.length - 1}::${cast}`;
  };
  const atoms: Array<Extract<Need, { kind: 'atom' }>> = [];
  collectAtoms(need, atoms);
  if (atoms.length > MAX_ATOMS) return undefined;
  atoms.forEach((a, index) => {
    a.sql = a.render(param);
    a.bit = 1n << BigInt(index);
  });
  return {
    rowMask:
      atoms.length === 0
        ? '0::bigint'
        : atoms.map((a) => `(CASE WHEN ${a.sql} THEN ${a.bit}::bigint ELSE 0 END)`).join(' | '),
    orderFilter: orderSql(need),
    params,
  };
}

type Param = (value: unknown, cast: string) => string;

function translate(node: Expression): Need {
  switch (node.kind) {
    case 'literal':
      return node.value === false ? NONE : ALL;
    case 'logical': {
      const parts = [translate(node.left), translate(node.right)];
      return node.operator === 'and' ? and(parts) : or(parts);
    }
    case 'compare':
      return compare(node);
    case 'in':
      return membership(node);
    case 'string_op':
      return stringOperator(node);
    default:
      // `not` (a negation holds on missing values, on any other event), a bare field or list.
      return ALL;
  }
}

/** A string that PostgreSQL's text holds exactly as JavaScript compares it. */
const sqlSafe = (text: string) => !text.includes('\0') && !/\p{Cs}/u.test(text);

function stringColumn(field: string): string | undefined {
  if (Object.hasOwn(COLUMNS, field)) return COLUMNS[field];
  if (Object.hasOwn(PAYLOAD_STRINGS, field)) return `payload->>'${PAYLOAD_STRINGS[field]}'`;
  return undefined;
}

function numberColumn(field: string): string | undefined {
  if (!Object.hasOwn(PAYLOAD_NUMBERS, field)) return undefined;
  const key = PAYLOAD_NUMBERS[field];
  // jsonb's own numeric, cast without going through text (under the guard: a string would not cast).
  return `(CASE WHEN jsonb_typeof(payload->'${key}') = 'number' THEN (payload->'${key}')::numeric END)`;
}

/**
 * Integer bounds around a JavaScript number: a stored number outside [floor-1, ceil+1] rounds to a
 * double on the same side of it, so comparing exact numerics with these bounds never drops a
 * value that JavaScript's comparison of doubles would keep. Beyond 2^53 integers are not exact.
 */
function numberBounds(value: number): { below: string; above: string } | undefined {
  if (!Number.isFinite(value) || Math.abs(value) >= 2 ** 52) return undefined;
  return { below: String(Math.floor(value) - 1), above: String(Math.ceil(value) + 1) };
}

const FLIPPED = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' } as const;

function compare(node: Extract<Expression, { kind: 'compare' }>): Need {
  let operator = node.operator;
  let field = node.left;
  let literal = node.right;
  if (field.kind !== 'field') {
    [field, literal] = [literal, field];
    operator = FLIPPED[operator];
  }
  if (field.kind !== 'field' || literal.kind !== 'literal') return ALL;
  const value = literal.value;
  if (typeof value === 'string') {
    const column = stringColumn(field.name);
    if (operator !== '==' || column === undefined || !sqlSafe(value)) return ALL;
    return atom(field.name, (param) => `${column} = ${param(value, 'text')}`);
  }
  if (typeof value === 'number') {
    const column = numberColumn(field.name);
    const bounds = numberBounds(value);
    if (column === undefined || bounds === undefined) return ALL;
    const below = (param: Param) => `${column} >= ${param(bounds.below, 'numeric')}`;
    const above = (param: Param) => `${column} <= ${param(bounds.above, 'numeric')}`;
    switch (operator) {
      case '>':
      case '>=':
        return atom(field.name, below);
      case '<':
      case '<=':
        return atom(field.name, above);
      case '==':
        return atom(field.name, (param) => `${below(param)} AND ${above(param)}`);
      default:
        return ALL;
    }
  }
  return ALL;
}

function membership(node: Extract<Expression, { kind: 'in' }>): Need {
  if (node.negated || node.left.kind !== 'field' || node.right.kind !== 'list') return ALL;
  const values = node.right.items.map((item) => item.value);
  // A missing value reads as null, so a list with null holds on events without the field.
  if (values.some((value) => value === null)) return ALL;
  if (values.length === 0) return NONE;
  if (values.every((value): value is string => typeof value === 'string')) {
    const column = stringColumn(node.left.name);
    if (column === undefined || !values.every(sqlSafe)) return ALL;
    return atom(node.left.name, (param) => `${column} = ANY(${param(values, 'text[]')})`);
  }
  if (values.every((value): value is number => typeof value === 'number')) {
    return or(
      values.map((value) =>
        compare({
          kind: 'compare',
          operator: '==',
          left: node.left,
          right: { kind: 'literal', value, at: node.at },
          at: node.at,
        }),
      ),
    );
  }
  return ALL;
}

function stringOperator(node: Extract<Expression, { kind: 'string_op' }>): Need {
  if (node.operator === 'matches' || node.left.kind !== 'field' || node.right.kind !== 'literal') return ALL;
  const column = stringColumn(node.left.name);
  const value: LiteralValue = node.right.value;
  if (column === undefined || typeof value !== 'string' || !sqlSafe(value)) return ALL;
  return node.operator === 'contains'
    ? atom(node.left.name, (param) => `strpos(${column}, ${param(value, 'text')}) > 0`)
    : atom(node.left.name, (param) => `starts_with(${column}, ${param(value, 'text')})`);
}

function atom(field: string, render: (param: Param) => string): Need {
  return { kind: 'atom', own: !ORDER_FACTS.has(field), render };
}

/**
 * Tests of the event's own fields under one `and` all hold on the event a rule fires on, so they
 * become one test of one row (narrower, and fewer rows to group); under an `or` the same merge
 * changes nothing but the count of tests.
 */
function mergeOwn(parts: Need[], operator: 'AND' | 'OR'): Need[] {
  const own = parts.filter(
    (part): part is Extract<Need, { kind: 'atom' }> => part.kind === 'atom' && part.own,
  );
  if (own.length < 2) return parts;
  const merged: Need = {
    kind: 'atom',
    own: true,
    render: (param) => own.map((part) => `(${part.render(param)})`).join(` ${operator} `),
  };
  return [merged, ...parts.filter((part) => !own.includes(part as Extract<Need, { kind: 'atom' }>))];
}

function and(parts: Need[]): Need {
  if (parts.some((part) => part.kind === 'none')) return NONE;
  const kept = mergeOwn(
    parts
      .filter((part) => part.kind !== 'all')
      .flatMap((part) => (part.kind === 'and' ? part.parts : [part])),
    'AND',
  );
  if (kept.length === 0) return ALL;
  return kept.length === 1 ? kept[0]! : { kind: 'and', parts: kept };
}

function or(parts: Need[]): Need {
  if (parts.some((part) => part.kind === 'all')) return ALL;
  const kept = mergeOwn(
    parts
      .filter((part) => part.kind !== 'none')
      .flatMap((part) => (part.kind === 'or' ? part.parts : [part])),
    'OR',
  );
  if (kept.length === 0) return NONE;
  return kept.length === 1 ? kept[0]! : { kind: 'or', parts: kept };
}

function collectAtoms(need: Need, into: Array<Extract<Need, { kind: 'atom' }>>): void {
  if (need.kind === 'atom') into.push(need);
  else if (need.kind === 'and' || need.kind === 'or') for (const part of need.parts) collectAtoms(part, into);
}

function orderSql(need: Need): string {
  switch (need.kind) {
    case 'all':
      return 'true';
    case 'none':
      return 'false';
    case 'atom':
      return `(bit_or(mask) & ${need.bit!}::bigint) <> 0`;
    default:
      return `(${need.parts.map(orderSql).join(need.kind === 'and' ? ' AND ' : ' OR ')})`;
  }
}
