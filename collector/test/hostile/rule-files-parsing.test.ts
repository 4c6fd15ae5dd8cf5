// Rule and route YAML, silence matchers and custom-rule conditions given anything: each checker
// reports errors (file, line, message) or returns its result, and never throws anything else.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Matcher,
  MatcherError,
  matcherMatches,
  parseMatcher,
} from '../../src/domain/alerts/matchers.ts';
import { silenceProblem } from '../../src/domain/alerts/silences.ts';
import { readBuiltinRules } from '../../src/rules-config/builtin-rules.ts';
import { readCalendar } from '../../src/rules-config/calendar.ts';
import { readCustomRules } from '../../src/rules-config/custom-rules.ts';
import { compileCondition } from '../../src/rules-config/expression/compile.ts';
import { CONTEXT_FIELDS } from '../../src/rules-config/expression/context-fields.ts';
import { ExpressionError } from '../../src/rules-config/expression/expression-error.ts';
import type { LoadError } from '../../src/rules-config/load-error.ts';
import { readRoutes } from '../../src/rules-config/routes.ts';
import type { Cursor } from '../../src/rules-config/yaml-cursor.ts';
import { readYamlFile } from '../../src/rules-config/yaml-file.ts';
import { fuzz } from './fuzz-settings.ts';
import { mutatedText, nastyJson, nastyString, PROTOTYPE_KEYS } from './hostile-values.ts';

const ruleFile = (name: string) =>
  readFileSync(new URL(`../../../alert-rules/${name}`, import.meta.url), 'utf8');

const CHECKERS: Record<string, { text: string; read: (root: Cursor, file: string) => unknown }> = {
  'rules.yaml': { text: ruleFile('rules.yaml'), read: (root) => readBuiltinRules(root) },
  'routes.yaml': { text: ruleFile('routes.yaml'), read: (root) => readRoutes(root) },
  'calendar.yaml': { text: ruleFile('calendar.yaml'), read: (root) => readCalendar(root) },
  'custom/priority-orders.yaml': {
    text: ruleFile('custom/priority-orders.yaml'),
    read: (root, file) => readCustomRules(root, file),
  },
};

function expectLoadErrors(errors: LoadError[], file: string) {
  for (const error of errors) {
    expect(error.file).toBe(file);
    expect(typeof error.message).toBe('string');
    if (error.line !== undefined) expect(Number.isInteger(error.line)).toBe(true);
  }
}

function check(file: string, text: string) {
  const yaml = readYamlFile(file, text);
  CHECKERS[file]!.read(yaml.root, file);
  expectLoadErrors(yaml.errors, file);
  return yaml;
}

const BILLION_LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  'rules: [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
].join('\n');

describe.each(Object.keys(CHECKERS))('%s', (file) => {
  it('any edit of the shipped file, or any text, is read or reported — never thrown', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 4, arbitrary: mutatedText(CHECKERS[file]!.text) },
          { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) },
          { weight: 1, arbitrary: nastyJson().map((v) => JSON.stringify(v) ?? '') },
        ),
        (text) => void check(file, text),
      ),
      {
        ...fuzz(30),
        examples: [
          [BILLION_LAUGHS],
          ['rules: !!js/function "function () { return 1 }"'],
          [`${'- '.repeat(5000)}x`],
          [`${'['.repeat(10_000)}${']'.repeat(10_000)}`],
          ['__proto__: {polluted: true}\nconstructor: 1\nrules: {}'],
        ],
      },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the alias bomb is an error, not an expansion', () => {
    const yaml = check(file, BILLION_LAUGHS);
    expect(yaml.errors.length).toBeGreaterThan(0);
  });
});

describe('silence and route matchers', () => {
  const matcherText = fc.oneof(
    nastyString(),
    fc
      .tuple(
        fc.oneof(
          fc.constantFrom('store_id', 'rule', 'severity', ...PROTOTYPE_KEYS),
          fc.string({ maxLength: 6 }),
        ),
        fc.constantFrom('=', '!=', '=~', '!~', '==', '~'),
        fc.oneof(nastyString(), fc.constantFrom('"(a+)+"', '"[a-"', '"\\\\"', '"x\\q"', '".*"', '"\\u0000"')),
      )
      .map(([name, op, value]) => `${name}${op}${value}`),
  );

  it('any text parses to a matcher or a MatcherError', () => {
    fc.assert(
      fc.property(matcherText, (text) => {
        try {
          const matcher = parseMatcher(text);
          expect(['=', '!=', '=~', '!~']).toContain(matcher.operator);
        } catch (error) {
          expect(error).toBeInstanceOf(MatcherError);
        }
      }),
      fuzz(200),
    );
  });

  it('a silence is refused with a sentence or accepted; an accepted one matches any labels without throwing', () => {
    const matcher = fc.record({
      name: fc.oneof(fc.constantFrom('store_id', 'rule', ...PROTOTYPE_KEYS), fc.string({ maxLength: 6 })),
      operator: fc.constantFrom('=', '!=', '=~', '!~') as fc.Arbitrary<Matcher['operator']>,
      value: fc.oneof(
        nastyString(),
        fc.constantFrom('(a+)+', '[', '(?<n>a)\\k<n>', '\\p{L}+', 'S0[1-3]', '.*'),
      ),
    });
    const labels = fc.dictionary(
      fc.oneof(fc.constantFrom('store_id', 'rule', ...PROTOTYPE_KEYS), fc.string({ maxLength: 6 })),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(fc.array(matcher, { maxLength: 3 }), labels, (matchers, alertLabels) => {
        const problem = silenceProblem({ matchers, startsAt: 0, endsAt: 1 });
        if (problem !== undefined) {
          expect(typeof problem).toBe('string');
          return;
        }
        for (const m of matchers) expect(typeof matcherMatches(m, alertLabels)).toBe('boolean');
      }),
      fuzz(200),
    );
  });
});

describe('custom rule conditions', () => {
  const shipped =
    'type == "order.status" and status == "paid" and amount_fen > 50000 and region in ["西藏", "新疆"]';
  const condition = fc.oneof(
    mutatedText(shipped),
    nastyString(),
    fc.constantFrom(
      'store_id matches "^(a+)+$"',
      'store_id matches "(?<x>a)\\\\k<x>"',
      'store_id matches "["',
      `${'('.repeat(5000)}true${')'.repeat(5000)}`,
      `${'not '.repeat(5000)}true`,
      'constructor == "x"',
      '__proto__ == "x"',
      'store_id contains "\\u0000"',
    ),
  );
  const context = fc.dictionary(
    fc.oneof(fc.constantFrom(...Object.keys(CONTEXT_FIELDS), ...PROTOTYPE_KEYS), fc.string({ maxLength: 6 })),
    fc.oneof(nastyString(), fc.integer(), fc.boolean(), fc.constant(null)),
  );

  it('any condition compiles or throws an ExpressionError; a compiled one tests any event without throwing', () => {
    fc.assert(
      fc.property(condition, fc.array(context, { maxLength: 3 }), (source, contexts) => {
        let compiled: ReturnType<typeof compileCondition>;
        try {
          compiled = compileCondition(source);
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionError);
          return;
        }
        // Never with a string that backtracks badly: that is the linear-time test's business.
        for (const c of contexts) expect(typeof compiled.test(c)).toBe('boolean');
      }),
      fuzz(200),
    );
  });
});
