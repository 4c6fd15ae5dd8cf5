import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/domain/events.ts';
import { compileCondition } from '../../src/rules-config/expression/compile.ts';
import { buildRuleContext, type RuleContext } from '../../src/rules-config/expression/context-fields.ts';
import { ExpressionError } from '../../src/rules-config/expression/expression-error.ts';

const test = (source: string, context: RuleContext): boolean => compileCondition(source).test(context);

function errorOf(source: string): { message: string; line: number; column: number } {
  try {
    compileCondition(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError);
    const { message, line, column } = error as ExpressionError;
    return { message, line, column };
  }
  throw new Error(`expected "${source}" to be rejected`);
}

describe('condition evaluation', () => {
  it('evaluates the remote high-value example from the issue', () => {
    const rule = 'amount_fen > 50000 and region in ["西藏", "新疆", "青海"]';
    expect(test(rule, { amount_fen: 50001, region: '新疆' })).toBe(true);
    expect(test(rule, { amount_fen: 50000, region: '新疆' })).toBe(false);
    expect(test(rule, { amount_fen: 90000, region: '上海' })).toBe(false);
    expect(test(rule, { region: '西藏' })).toBe(false);
  });

  it('binds "and" tighter than "or", and "not" tighter than both', () => {
    // a or b and c  ==  a or (b and c)
    const source = 'channel == "pos" or channel == "jd" and amount_fen > 100';
    expect(test(source, { channel: 'pos', amount_fen: 1 })).toBe(true);
    expect(test(source, { channel: 'jd', amount_fen: 1 })).toBe(false);
    expect(
      test('(channel == "pos" or channel == "jd") and amount_fen > 100', { channel: 'pos', amount_fen: 1 }),
    ).toBe(false);
    // not a and b  ==  (not a) and b
    expect(test('not channel == "pos" and amount_fen > 100', { channel: 'jd', amount_fen: 101 })).toBe(true);
    expect(test('not (channel == "pos" and amount_fen > 100)', { channel: 'pos', amount_fen: 101 })).toBe(
      false,
    );
    expect(test('not not channel == "pos"', { channel: 'pos' })).toBe(true);
  });

  it('agrees with JavaScript boolean logic for random and/or/not trees', () => {
    type Tree =
      | { op: 'leaf'; field: 'a' | 'b' | 'c' }
      | { op: 'not'; x: Tree }
      | { op: 'and' | 'or'; x: Tree; y: Tree };
    const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record({
          op: fc.constant('leaf' as const),
          field: fc.constantFrom('a' as const, 'b' as const, 'c' as const),
        }),
        fc.record({ op: fc.constant('not' as const), x: tie('tree') }),
        fc.record({ op: fc.constantFrom('and' as const, 'or' as const), x: tie('tree'), y: tie('tree') }),
      ),
    })).tree;
    const fieldOf = { a: 'store_id', b: 'region', c: 'channel' } as const;
    const render = (t: Tree): string =>
      t.op === 'leaf'
        ? `${fieldOf[t.field]} == "yes"`
        : t.op === 'not'
          ? `not (${render(t.x)})`
          : `(${render(t.x)}) ${t.op} (${render(t.y)})`;
    const evaluate = (t: Tree, env: Record<'a' | 'b' | 'c', boolean>): boolean =>
      t.op === 'leaf'
        ? env[t.field]
        : t.op === 'not'
          ? !evaluate(t.x, env)
          : t.op === 'and'
            ? evaluate(t.x, env) && evaluate(t.y, env)
            : evaluate(t.x, env) || evaluate(t.y, env);
    fc.assert(
      fc.property(
        tree.filter((t) => render(t).split('(').length < 30),
        fc.record({ a: fc.boolean(), b: fc.boolean(), c: fc.boolean() }),
        (t, env) => {
          const context = {
            store_id: env.a ? 'yes' : 'no',
            region: env.b ? 'yes' : 'no',
            channel: env.c ? 'yes' : 'no',
          };
          expect(compileCondition(render(t)).test(context)).toBe(evaluate(t, env));
        },
      ),
    );
  });

  it('supports in / not in lists, comparisons, contains, startsWith and matches', () => {
    expect(test('status not in ["cancelled", "closed"]', { status: 'paid' })).toBe(true);
    expect(test('status not in ["cancelled", "closed"]', { status: 'closed' })).toBe(false);
    expect(test('amount_fen in [100, 200]', { amount_fen: 200 })).toBe(true);
    expect(test('amount_fen >= 100 and amount_fen <= 200 and amount_fen != 150', { amount_fen: 150 })).toBe(
      false,
    );
    expect(test('amount_fen < -1', { amount_fen: -5 })).toBe(true);
    expect(test('store_id < "S5"', { store_id: 'S10' })).toBe(true);
    expect(test('location contains "乌鲁木齐"', { location: '新疆乌鲁木齐转运中心' })).toBe(true);
    expect(test('tracking_no startsWith "SF"', { tracking_no: 'SF1234' })).toBe(true);
    expect(test('tracking_no startsWith "SF"', { tracking_no: 'YT1234' })).toBe(false);
    expect(test('store_id matches "^SH-[0-9]{3}$"', { store_id: 'SH-001' })).toBe(true);
    expect(test('store_id matches "^SH-[0-9]{3}$"', { store_id: 'SH-0001' })).toBe(false);
    // Unanchored unless the pattern anchors itself.
    expect(test('region matches "新疆"', { region: '中国新疆' })).toBe(true);
    expect(test('channel == \'pos\' and region == "上\\u6d77"', { channel: 'pos', region: '上海' })).toBe(
      true,
    );
  });

  it('treats missing fields as null: equal to null, never ordered, never in a list', () => {
    expect(test('region == null', {})).toBe(true);
    expect(test('region != null', { region: '西藏' })).toBe(true);
    expect(test('amount_fen > 0', {})).toBe(false);
    expect(test('amount_fen <= 0', {})).toBe(false);
    expect(test('region in ["西藏"]', {})).toBe(false);
    expect(test('region not in ["西藏"]', {})).toBe(true);
    expect(test('region contains "藏"', {})).toBe(false);
    expect(test('region matches ".*"', {})).toBe(false);
  });

  it('never matches values of the wrong type supplied at run time', () => {
    expect(test('amount_fen > 100', { amount_fen: '5000' })).toBe(false);
    expect(test('region contains "1"', { region: 123 })).toBe(false);
  });

  it('evaluates a pattern that backtracks catastrophically in V8 in one linear pass (RE2)', () => {
    // V8 needs about 2^n steps to refuse n a's and a "!" with this pattern; RE2 needs n.
    const condition = compileCondition('store_id matches "^(a+)+$"');
    expect(condition.test({ store_id: `${'a'.repeat(5000)}!` })).toBe(false);
    expect(condition.test({ store_id: 'a'.repeat(5000) })).toBe(true);
    expect(condition.test({ store_id: `b${'a'.repeat(40)}` })).toBe(false);
  });

  it('keeps a compiled regex stateless across calls', () => {
    const condition = compileCondition('store_id matches "S"');
    for (let i = 0; i < 5; i++) expect(condition.test({ store_id: 'S1' })).toBe(true);
  });

  it('reports the fields it reads', () => {
    expect(compileCondition('amount_fen > 1 and (region == "a" or amount_fen < 5)').fields).toEqual([
      'amount_fen',
      'region',
    ]);
  });
});

describe('condition errors carry line and column', () => {
  it.each([
    ['amout_fen > 1', 1, 1, 'unknown field "amout_fen"; did you mean "amount_fen"?'],
    [
      'amount_fen > "500"',
      1,
      12,
      '">" needs two numbers or two strings, not amount_fen (number) and a string',
    ],
    ['region == 1', 1, 8, 'cannot compare region (string) with a number using "=="'],
    ['region in "西藏"', 1, 8, '"in" needs a list on its right, e.g. region in ["西藏", "新疆"]'],
    ['region in [1, 2]', 1, 8, '"in" compares region (string) with a list of numbers'],
    ['region in ["a", 1]', 1, 11, 'list mixes string and number values; use one type per list'],
    ['amount_fen contains "1"', 1, 12, '"contains" needs a string on its left, not amount_fen (number)'],
    ['region matches store_id', 1, 8, '"matches" needs a string literal pattern, not a field'],
    ['region matches "(["', 1, 16, 'invalid regular expression: missing closing ]: `[`'],
    [
      'store_id matches "(a)\\\\1"',
      1,
      18,
      'invalid regular expression: invalid escape sequence: `\\1` (patterns use RE2 syntax, which has no backreferences or lookaround)',
    ],
    [
      'region',
      1,
      1,
      'a condition must be true or false, but this is a string; compare it, e.g. "region == …"',
    ],
    [
      'region and amount_fen > 1',
      1,
      1,
      '"and" needs true/false operands, but this is the string field "region"',
    ],
    ['status == "payed"', 1, 11, '"payed" is never a value of status; did you mean "paid"?'],
    [
      'state in ["stuck", "lost"]',
      1,
      20,
      '"lost" is never a value of state; expected one of created, collected, in_transit, out_for_delivery, delivered, rejected, returned, exception, stuck',
    ],
    ['state == "stuk"', 1, 10, '"stuk" is never a value of state; did you mean "stuck"?'],
    ['amount_fen > 1 &&', 1, 16, "use 'and' instead of '&&'"],
    ['region = "x"', 1, 8, "use '==' to compare"],
    ['1 < amount_fen < 3', 1, 16, 'unexpected "<"; comparisons cannot be chained, join them with \'and\''],
    ['(region == "x"', 1, 15, 'expected ")" to close the "(" at line 1, column 1'],
    ['region == "x', 1, 11, 'unterminated string'],
    ['region == "a\\q"', 1, 13, 'unknown escape "\\q" in string'],
    ['', 1, 1, 'condition is empty'],
    ['amount_fen > 1 and', 1, 19, 'expected a field, a value or "(" but found the end of the condition'],
    [
      'region in ["a", region]',
      1,
      17,
      'list items must be literal values (strings, numbers, true, false, null), not "region"',
    ],
    ['region == "a" or\n  amount_fen >> 3', 2, 15, 'expected a field, a value or "(" but found ">"'],
    ['region ; 1', 1, 8, 'unexpected character ";"'],
    ['amount_fen > 1e999', 1, 14, 'number "1e999" is too large'],
  ])('%j', (source, line, column, message) => {
    expect(errorOf(source)).toEqual({ message, line, column });
  });

  it('refuses deep nesting and very long conditions instead of overflowing the stack', () => {
    expect(errorOf(`${'('.repeat(40)}region == "x"${')'.repeat(40)}`).message).toBe(
      'condition is nested more than 32 levels deep',
    );
    expect(errorOf(`${'not '.repeat(100)}region == "x"`).message).toBe(
      'condition is nested more than 32 levels deep',
    );
    expect(errorOf(`region == "${'x'.repeat(5000)}"`).message).toBe(
      'condition is longer than 4096 characters',
    );
  });
});

describe('conditions cannot reach JavaScript internals', () => {
  it.each([
    'constructor',
    '__proto__',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'this',
    'globalThis',
  ])('refuses the field %s at load time', (name) => {
    expect(errorOf(`${name} == null`).message).toMatch(new RegExp(`^unknown field "${name}"`));
  });

  it('rejects call, member and code syntax', () => {
    for (const source of [
      'region.constructor == null',
      'process.exit(1)',
      'region == `x`',
      'eval("1")',
      'region["__proto__"] == null',
      'x => 1',
      'region == "a"; process',
    ]) {
      expect(() => compileCondition(source), source).toThrow(ExpressionError);
    }
  });

  it('reads only own properties of the context, so inherited members look missing', () => {
    const inherited = Object.create({ region: '西藏' }) as RuleContext;
    expect(test('region == null', inherited)).toBe(true);
    const polluted = JSON.parse('{"__proto__": {"region": "西藏"}, "store_id": "S1"}') as RuleContext;
    expect(test('region == null and store_id == "S1"', polluted)).toBe(true);
  });

  it('treats hostile strings as plain data', () => {
    expect(test('region == "__proto__"', { region: '__proto__' })).toBe(true);
    expect(test('region in ["constructor", "toString"]', { region: 'toString' })).toBe(true);
    expect(test('region in ["constructor"]', {})).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('buildRuleContext', () => {
  const base = { id: 'e1', source: 'shop', occurredAt: 1_700_000_000_000, orderId: 'O1', storeId: 'S1' };

  it('fills order facts the event does not carry, the event winning where it does', () => {
    const payment: OrderEvent = {
      ...base,
      type: 'payment.notify',
      provider: 'wechatpay',
      transactionId: 'T1',
      amountFen: 60000,
      status: 'success',
    };
    const context = buildRuleContext(payment, {
      status: 'paid',
      region: '青海',
      amountFen: 1,
      channel: 'jd',
    });
    expect(context).toMatchObject({
      type: 'payment.notify',
      status: 'success',
      order_status: 'paid',
      amount_fen: 60000,
      region: '青海',
      channel: 'jd',
      provider: 'wechatpay',
    });
    const rule = compileCondition(
      'amount_fen > 50000 and region in ["西藏", "新疆", "青海"] and provider == "wechatpay"',
    );
    expect(rule.test(context)).toBe(true);
  });

  it('maps shipment fields', () => {
    const shipment: OrderEvent = {
      ...base,
      type: 'shipment.update',
      carrier: 'SF',
      trackingNo: 'SF1',
      state: 'stuck',
      location: '拉萨',
    };
    const context = buildRuleContext(shipment);
    expect(
      compileCondition('carrier == "SF" and state in ["exception", "stuck"] and location == "拉萨"').test(
        context,
      ),
    ).toBe(true);
    expect(context.region).toBeUndefined();
  });
});
