// The third option measured: CEL syntax, parsed and checked as in cel-condition.ts, but evaluated
// by a tree of closures like the hand-written evaluator's instead of by @bufbuild/cel's planner.
// It shows what the CEL evaluator itself costs, apart from the syntax.
import type { parse } from '@bufbuild/cel';
import type { CompiledCondition } from '../../collector/src/rules-config/expression/compile.ts';
import {
  CONTEXT_FIELDS,
  type ContextValue,
  type RuleContext,
} from '../../collector/src/rules-config/expression/context-fields.ts';
import { checkCelCondition } from './cel-check.ts';
import { parseCel } from './cel-condition.ts';

type CelExpr = ReturnType<typeof parse>['expr'];
type Evaluate = (context: RuleContext) => ContextValue;

export function compileCelToClosures(source: string): CompiledCondition {
  const parsed = parseCel(source);
  const checked = checkCelCondition(parsed, source, CONTEXT_FIELDS);
  const build = (expr: CelExpr): Evaluate => {
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr': {
        const constant = kind.value.constantKind;
        const value =
          constant.case === 'nullValue' || constant.value === undefined
            ? null
            : typeof constant.value === 'bigint'
              ? Number(constant.value)
              : (constant.value as string | number | boolean);
        return () => value;
      }
      case 'identExpr': {
        const name = kind.value.name;
        return (context) => {
          if (!Object.hasOwn(context, name)) return null;
          const value = context[name];
          return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
            ? value
            : null;
        };
      }
      case 'callExpr': {
        const call = kind.value;
        const [a, b] = call.args.map(build) as [Evaluate, Evaluate];
        if (call.target !== undefined) {
          const text = build(call.target);
          if (call.function === 'matches') {
            // The checker admits only a literal pattern, compiled into `patterns` under its text.
            const pattern = checked.patterns.get(String(a({})))!;
            return (context) => {
              const value = text(context);
              return typeof value === 'string' && pattern.test(value);
            };
          }
          const method = call.function as 'contains' | 'startsWith' | 'endsWith';
          const test =
            method === 'contains'
              ? (x: string, y: string) => x.includes(y)
              : method === 'startsWith'
                ? (x: string, y: string) => x.startsWith(y)
                : (x: string, y: string) => x.endsWith(y);
          return (context) => {
            const x = text(context);
            const y = a(context);
            return typeof x === 'string' && typeof y === 'string' && test(x, y);
          };
        }
        switch (call.function) {
          case '_&&_':
            return (context) => a(context) === true && b(context) === true;
          case '_||_':
            return (context) => a(context) === true || b(context) === true;
          case '!_':
            return (context) => a(context) !== true;
          case '_==_':
            return (context) => (a(context) ?? null) === (b(context) ?? null);
          case '_!=_':
            return (context) => (a(context) ?? null) !== (b(context) ?? null);
          case '@in': {
            const list = call.args[1]!.exprKind;
            const elements = list.case === 'listExpr' ? list.value.elements : [];
            const items = elements.map(build);
            if (elements.every((element) => element.exprKind.case === 'constExpr')) {
              const members = new Set(items.map((item) => item({})));
              return (context) => members.has(a(context) ?? null);
            }
            return (context) => {
              const value = a(context) ?? null;
              return items.some((item) => (item(context) ?? null) === value);
            };
          }
          default: {
            const order = ORDERINGS[call.function]!;
            return (context) => {
              const x = a(context);
              const y = b(context);
              if (x === null || y === null || x === undefined || y === undefined || typeof x !== typeof y)
                return false;
              return order(x as number | string, y as number | string);
            };
          }
        }
      }
      case 'listExpr':
        // A list is only ever the right of `in`, which reads its elements itself.
        return () => null;
      default:
        throw new Error(`unreachable after the check: ${kind.case}`);
    }
  };
  const evaluate = build(parsed.expr);
  return { source, fields: checked.fields, test: (context) => evaluate(context) === true };
}

const ORDERINGS: Record<string, (x: number | string, y: number | string) => boolean> = {
  '_<_': (x, y) => x < y,
  '_<=_': (x, y) => x <= y,
  '_>_': (x, y) => x > y,
  '_>=_': (x, y) => x >= y,
};
