// Compiles a CEL condition (a rule's `cel:`) into the same CompiledCondition the engine already
// evaluates: parse with @bufbuild/cel, check against CONTEXT_FIELDS, plan once. Per event it binds
// only the fields the condition reads, each as an own property of the context or null, so a
// context built with a prototype leaks nothing and a field the event does not carry is null.
import { isCelError, parse, plan } from '@bufbuild/cel';
import type { CompiledCondition } from '../../collector/src/rules-config/expression/compile.ts';
import {
  CONTEXT_FIELDS,
  type ContextValue,
  type FieldSpec,
  type RuleContext,
} from '../../collector/src/rules-config/expression/context-fields.ts';
import { MAX_EXPRESSION_LENGTH } from '../../collector/src/rules-config/expression/tokenizer.ts';
import { checkCelCondition } from './cel-check.ts';
import { conditionEnv } from './cel-env.ts';
import { CelConditionError } from './cel-error.ts';

type Bindings = Record<string, string | number | boolean | null>;

/** Parses, checks and plans `source`; throws CelConditionError with a line and column. */
export function compileCelCondition(
  source: string,
  fields: Readonly<Record<string, FieldSpec>> = CONTEXT_FIELDS,
): CompiledCondition {
  if (source.length > MAX_EXPRESSION_LENGTH)
    throw new CelConditionError(`condition is longer than ${MAX_EXPRESSION_LENGTH} characters`, 1, 1);
  if (source.trim() === '') throw new CelConditionError('condition is empty', 1, 1);
  const parsed = parseCel(source);
  const checked = checkCelCondition(parsed, source, fields);
  const evaluate = plan(conditionEnv(checked.patterns), parsed);
  const names = checked.fields;
  return {
    source,
    fields: names,
    test: (context) => {
      const bindings: Bindings = {};
      for (const name of names) bindings[name] = readField(context, name);
      // An evaluation error (none is expected once checked) reads as "does not match".
      const result = evaluate(bindings);
      return result === true && !isCelError(result);
    },
  };
}

function readField(context: RuleContext, name: string): string | number | boolean | null {
  if (!Object.hasOwn(context, name)) return null;
  const value: ContextValue = context[name];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

interface PegLocation {
  start: { line: number; column: number };
}

export function parseCel(source: string): ReturnType<typeof parse> {
  try {
    return parse(source);
  } catch (error) {
    const location = (error as { location?: PegLocation }).location;
    const line = location?.start.line ?? 1;
    const column = location?.start.column ?? 1;
    const found = (error as { found?: unknown }).found;
    const raw = (error as { rawMessage?: unknown }).rawMessage;
    const message =
      error instanceof RangeError
        ? 'condition is nested too deeply'
        : typeof raw === 'string'
          ? raw
          : String((error as Error).message);
    throw new CelConditionError(`${message}${hintFor(source, line, column, found)}`, line, column);
  }
}

const OLD_WORDS: Readonly<Record<string, string>> = { and: '&&', or: '||', not: '!' };

/** The old condition language's words are the likeliest mistake; say what CEL spells instead. */
function hintFor(source: string, line: number, column: number, found: unknown): string {
  if (typeof found !== 'string') return '';
  const text = source.split('\n')[line - 1] ?? '';
  const word = /^[A-Za-z_]+/.exec(text.slice(column - 1))?.[0];
  if (word !== undefined && Object.hasOwn(OLD_WORDS, word))
    return `; CEL writes "${OLD_WORDS[word]}" for "${word}"`;
  if (word === 'contains' || word === 'startsWith' || word === 'matches')
    return `; CEL writes text.${word}("…")`;
  return '';
}
