// Custom-rule conditions: the hand-written evaluator against CEL (@bufbuild/cel) behind the same
// CompiledCondition, over the same events, in one run (BENCHMARKS.md, "Expression language").
//   node --expose-gc --max-semi-space-size=64 --import tsx bench/rule-expression.ts
// Per condition: ns per evaluation (median of interleaved rounds), bytes allocated per evaluation
// (heap growth over a batch small enough that no scavenge runs, with a 64 MB semi-space), compile
// time; then `matches` on a catastrophic pattern over growing text (linear or not), prototype
// names, and error positions. Three evaluators: the hand-written one; CEL evaluated by the
// library (rule-expression/cel-condition.ts); the same CEL parsed by the library and evaluated by
// closures (rule-expression/cel-closures.ts). Every CEL condition is the old one rewritten by
// rule-expression/to-cel.ts, and all three must decide identically on every event (checked here),
// and on random conditions over contexts with missing fields (printed as disagreements).
import { loadavg } from 'node:os';
import { celEnv, isCelError, parse, plan, run } from '@bufbuild/cel';
import fc from 'fast-check';
import type { OrderEvent } from '../collector/src/domain/events.ts';
import {
  type CompiledCondition,
  compileCondition,
} from '../collector/src/rules-config/expression/compile.ts';
import {
  buildRuleContext,
  type RuleContext,
} from '../collector/src/rules-config/expression/context-fields.ts';
import { compileCelToClosures } from './rule-expression/cel-closures.ts';
import { compileCelCondition } from './rule-expression/cel-condition.ts';
import { toCel } from './rule-expression/to-cel.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const CASES: Array<{ name: string; old: string }> = [
  {
    name: 'shipped remote_high_value',
    old: 'type == "order.status" and status == "paid" and amount_fen > 50000 and region in ["西藏", "新疆", "青海"]',
  },
  {
    name: 'shipped large_order',
    old: 'type == "order.status" and status == "paid" and amount_fen >= 2000000',
  },
  { name: 'or / and / not', old: 'not (channel == "pos" or channel == "jd" and amount_fen > 100)' },
  { name: 'not in, null field', old: 'provider not in ["wechatpay", "alipay"] and amount_fen < 100' },
  { name: 'startsWith / contains', old: 'tracking_no startsWith "SF" or location contains "上海"' },
  { name: 'matches', old: 'carrier matches "^(SF|ZTO|YTO)[0-9]*$" and state == "in_transit"' },
];

// A deterministic mix of the three event types, as the engine sees them.
function events(count: number): RuleContext[] {
  let seed = 42;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const regions = ['西藏', '新疆', '青海', '上海', '北京', '广东'];
  const contexts: RuleContext[] = [];
  for (let i = 0; i < count; i++) {
    const base = {
      id: `e${i}`,
      source: 'pos',
      occurredAt: 1_700_000_000_000 + i,
      orderId: `o${i % 997}`,
      storeId: `s${i % 31}`,
    };
    const roll = next();
    let event: OrderEvent;
    if (roll < 0.5) {
      event = {
        ...base,
        type: 'order.status',
        status: pick(['created', 'paid', 'shipped'] as const),
        amountFen: Math.floor(next() * 3_000_000),
        region: pick(regions),
        channel: pick(['pos', 'jd', 'taobao', 'miniapp']),
      };
    } else if (roll < 0.8) {
      event = {
        ...base,
        type: 'payment.notify',
        provider: pick(['wechatpay', 'alipay', 'other'] as const),
        transactionId: `t${i}`,
        amountFen: Math.floor(next() * 200),
        status: pick(['success', 'refund'] as const),
      };
    } else {
      event = {
        ...base,
        type: 'shipment.update',
        carrier: pick(['SF', 'ZTO', 'JD', 'EMS']),
        trackingNo: `${pick(['SF', 'JD', 'YT'])}${i}`,
        state: pick(['collected', 'in_transit', 'delivered'] as const),
        location: pick(['上海市浦东', '北京市', '广州市']),
      };
    }
    contexts.push(
      buildRuleContext(event, { status: 'paid', amountFen: 12_000, region: pick(regions), channel: 'jd' }),
    );
  }
  return contexts;
}

const CONTEXTS = events(2_000);
// Many short rounds: on a shared machine the median drops the rounds another process interrupted.
const ROUNDS = 31;
const REPEAT = 3;
let sink = 0;

function timeNs(condition: CompiledCondition): number {
  const started = process.hrtime.bigint();
  for (let r = 0; r < REPEAT; r++) for (const context of CONTEXTS) if (condition.test(context)) sink++;
  return Number(process.hrtime.bigint() - started) / (REPEAT * CONTEXTS.length);
}

function bytesPerOp(condition: CompiledCondition): number {
  gc!();
  const before = process.memoryUsage().heapUsed;
  for (const context of CONTEXTS) if (condition.test(context)) sink++;
  const after = process.memoryUsage().heapUsed;
  return Math.max(0, after - before) / CONTEXTS.length;
}

function compileUs(compile: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = process.hrtime.bigint();
    compile();
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return median(times);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (value: number, digits = 0) => value.toFixed(digits).padStart(7);

console.log(
  `${CONTEXTS.length} events × ${REPEAT} per round, ${ROUNDS} interleaved rounds, node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log('old: the hand-written evaluator; CEL: @bufbuild/cel parse + plan, evaluated by the library;');
console.log('CEL→closures: the same CEL parsed by the library, evaluated by closures like the old one.');
console.log(
  'condition                  | ns/op old | CEL (×old) | CEL→closures | B/op old | CEL | closures | compile µs old | CEL | closures | agree',
);
const totals = { old: 0, cel: 0, closures: 0 };
const variants = CASES.map(({ name, old }) => {
  const cel = toCel(old);
  return {
    name,
    old,
    cel,
    a: compileCondition(old),
    b: compileCelCondition(cel),
    c: compileCelToClosures(cel),
  };
});
// Every condition of every kind runs before any is measured, so the first row gets no advantage or
// penalty from what V8 has or has not optimised yet.
for (const { a, b, c } of variants) {
  for (let i = 0; i < 3; i++) for (const condition of [a, b, c]) timeNs(condition);
}
for (const { name, old, cel, a, b, c } of variants) {
  const disagree = CONTEXTS.filter(
    (context) => a.test(context) !== b.test(context) || a.test(context) !== c.test(context),
  ).length;
  const times: [number[], number[], number[]] = [[], [], []];
  for (let round = 0; round < ROUNDS; round++) {
    times[0].push(timeNs(a));
    times[1].push(timeNs(b));
    times[2].push(timeNs(c));
  }
  const [oldNs, celNs, closureNs] = times.map(median) as [number, number, number];
  totals.old += oldNs;
  totals.cel += celNs;
  totals.closures += closureNs;
  const bytes = [a, b, c].map((x) => median([bytesPerOp(x), bytesPerOp(x), bytesPerOp(x)]));
  const compile = [
    compileUs(() => compileCondition(old)),
    compileUs(() => compileCelCondition(cel)),
    compileUs(() => compileCelToClosures(cel)),
  ];
  console.log(
    `${name.padEnd(26)} | ${fmt(oldNs)} | ${fmt(celNs)} (${(celNs / oldNs).toFixed(1)}×) | ${fmt(closureNs)} | ${bytes.map((x) => fmt(x)).join(' |')} | ${compile.map((x) => fmt(x, 1)).join(' |')} | ${disagree === 0 ? 'yes' : `NO (${disagree})`}`,
  );
  console.log(`  CEL: ${cel}`);
}
const share = (ns: number) => `${((ns * 10_000) / 1e7).toFixed(1)} %`;
console.log(
  `all ${CASES.length} conditions per event: old ${totals.old.toFixed(0)} ns, CEL ${totals.cel.toFixed(0)} ns (${(totals.cel / totals.old).toFixed(1)}×), CEL→closures ${totals.closures.toFixed(0)} ns; at 10,000 events/s: ${share(totals.old)}, ${share(totals.cel)}, ${share(totals.closures)} of one core`,
);

// Random conditions: old syntax, rewritten to CEL, over contexts where any field may be missing.
// The three evaluators must agree on every pair; this is the semantic check behind the table.
{
  const numbers = ['amount_fen', 'occurred_at'];
  const strings = ['region', 'channel', 'carrier', 'location', 'tracking_no'];
  const words = ['"西藏"', '"pos"', '"SF"', '"上海市"', '""', '"a"'];
  const leaf = fc.oneof(
    fc
      .tuple(
        fc.constantFrom(...numbers),
        fc.constantFrom('==', '!=', '<', '<=', '>', '>='),
        fc.integer({ min: -2, max: 2 }),
      )
      .map(([f, op, n]) => `${f} ${op} ${n * 500}`),
    fc
      .tuple(
        fc.constantFrom(...strings),
        fc.constantFrom('==', '!=', '<', '>=', 'contains', 'startsWith'),
        fc.constantFrom(...words),
      )
      .map(([f, op, w]) => `${f} ${op} ${w}`),
    fc
      .tuple(fc.constantFrom(...strings), fc.boolean(), fc.subarray(words))
      .map(([f, not, list]) => `${f} ${not ? 'not in' : 'in'} [${list.join(', ')}]`),
    fc
      .tuple(fc.constantFrom(...strings, ...numbers), fc.constantFrom('==', '!='))
      .map(([f, op]) => `${f} ${op} null`),
    fc.constantFrom(
      'status == "paid"',
      'type in ["order.status", "payment.notify"]',
      'carrier matches "^S"',
      'location matches "市$"',
    ),
  );
  const condition = fc.letrec<{ c: string }>((tie) => ({
    c: fc.oneof(
      { depthSize: 'small' },
      leaf,
      tie('c').map((x) => `not (${x})`),
      fc.tuple(tie('c'), fc.constantFrom('and', 'or'), tie('c')).map(([x, op, y]) => `(${x}) ${op} ${y}`),
    ),
  })).c;
  const value = (pool: readonly (string | number)[]) =>
    fc.option(fc.constantFrom(...pool), { nil: undefined });
  const context = fc.record({
    amount_fen: value([0, 499, 500, 1000, -500]),
    occurred_at: value([0, 1000]),
    region: value(['西藏', 'pos', '']),
    channel: value(['pos', 'jd']),
    carrier: value(['SF', 'ZTO']),
    location: value(['上海市', 'a']),
    tracking_no: value(['SF1', '']),
    status: value(['paid', 'created']),
    type: value(['order.status', 'shipment.update']),
  });
  const conditions = fc.sample(condition, { numRuns: 300, seed: 7 });
  const contexts = fc.sample(context, { numRuns: 300, seed: 8 }) as RuleContext[];
  let pairs = 0;
  let disagree = 0;
  for (const old of conditions) {
    const cel = toCel(old);
    const evaluators = [compileCondition(old), compileCelCondition(cel), compileCelToClosures(cel)];
    for (const ctx of contexts) {
      const [x, y, z] = evaluators.map((e) => e.test(ctx));
      pairs++;
      if (x !== y || x !== z) {
        disagree++;
        if (disagree <= 3)
          console.log(`  DISAGREE: ${old} | ${cel} | ${JSON.stringify(ctx)} → ${x} ${y} ${z}`);
      }
    }
  }
  console.log(
    `random conditions: ${conditions.length} × ${contexts.length} contexts, ${pairs} decisions, ${disagree} disagreements`,
  );
}

// The library's floor: the planned expression on bindings built once, so no adapter cost at all.
{
  const source = '!(channel == "pos" || channel == "jd" && amount_fen > 100)';
  const planned = plan(celEnv(), parse(source));
  const bindings = CONTEXTS.map((context) => ({
    channel: context.channel ?? null,
    amount_fen: context.amount_fen ?? 0,
  }));
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let r = 0; r < REPEAT; r++) for (const binding of bindings) if (planned(binding) === true) sink++;
    rounds.push(Number(process.hrtime.bigint() - started) / (REPEAT * bindings.length));
  }
  console.log(
    `library floor (standard env, bindings prebuilt, "or / and / not"): ${median(rounds).toFixed(0)} ns/op`,
  );
}

// The standard `matches` compiles its pattern on every call; the rule environment does not.
{
  const source = 'carrier.matches("^(SF|ZTO|YTO)[0-9]*$")';
  const standard = plan(celEnv(), parse(source));
  const ours = compileCelCondition(source);
  const bindings = CONTEXTS.map((context) => ({ carrier: context.carrier ?? '' }));
  const std: number[] = [];
  const mine: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let started = process.hrtime.bigint();
    for (const binding of bindings) if (standard(binding) === true) sink++;
    std.push(Number(process.hrtime.bigint() - started) / bindings.length);
    started = process.hrtime.bigint();
    for (const context of CONTEXTS) if (ours.test(context)) sink++;
    mine.push(Number(process.hrtime.bigint() - started) / CONTEXTS.length);
  }
  console.log(
    `matches: standard CEL env ${median(std).toFixed(0)} ns/op (compiles per call), rule env ${median(mine).toFixed(0)} ns/op`,
  );
}

// Linear time: (a+)+$ against "aaa…ab" is exponential on a backtracking engine. Median of 5 calls
// after one warm-up, per text length; time per character should stay flat as the text doubles.
{
  const source = 'location.matches("(a+)+$")';
  const rule = compileCelCondition(source);
  const standard = plan(celEnv(), parse(source));
  const old = compileCondition('location matches "(a+)+$"');
  const perChar = (length: number, call: (text: string) => unknown): string => {
    const text = `${'a'.repeat(length)}b`;
    call(text);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint();
      call(text);
      times.push(Number(process.hrtime.bigint() - started));
    }
    return (median(times) / length).toFixed(1);
  };
  const lengths = [10_000, 20_000, 40_000, 80_000, 160_000];
  const line = (label: string, call: (text: string) => unknown) =>
    console.log(
      `  ${label.padEnd(34)} ${lengths.map((n) => `${n / 1000}k: ${perChar(n, call)}`).join(', ')} ns/char`,
    );
  console.log('(a+)+$ over "a…ab", ns per character of text:');
  line('CEL, rule env (re2js, precompiled)', (text) => rule.test({ location: text }));
  line('CEL, standard env (@bufbuild/re2)', (text) => standard({ location: text }));
  line('old evaluator (re2js)', (text) => old.test({ location: text }));
  const v8: string[] = [];
  const backtracking = /(a+)+$/;
  backtracking.test('aab'); // compiled before it is timed
  for (const length of [18, 20, 22]) {
    const text = `${'a'.repeat(length)}b`;
    const started = process.hrtime.bigint();
    if (backtracking.test(text)) sink++;
    v8.push(`${length} chars: ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)} ms`);
  }
  console.log(`  V8's backtracking RegExp, for comparison: ${v8.join(', ')}`);
}

// Prototype names and error positions.
{
  const refusals = [
    '__proto__ == null',
    'constructor == null',
    'region.constructor == null',
    'toString == null',
  ].map((source) => {
    try {
      compileCelCondition(source);
      return `${source}: ACCEPTED`;
    } catch (error) {
      return `${source}: refused (${(error as Error).message.split(';')[0]})`;
    }
  });
  console.log(`prototype names: ${refusals.join('; ')}`);
  const raw = run('__proto__ == null', {});
  console.log(
    `  (the library alone, run('__proto__ == null', {}) = ${isCelError(raw) ? 'error' : String(raw)}: it reads the bindings' prototype; the field list is what stops it)`,
  );
  for (const source of [
    'amount_fen > 100 &&\n  regoin == "西藏"',
    'status == "payd"',
    'amount_fen > 1 and region == "x"',
    'amount_fen > 1 &&\n  (region == "x" ||',
  ]) {
    try {
      compileCelCondition(source);
    } catch (error) {
      const { line, column, message } = error as { line: number; column: number; message: string };
      console.log(`error ${JSON.stringify(source)} → line ${line}, column ${column}: ${message}`);
    }
  }
}
if (sink < 0) console.log(sink);
