// The CEL environment rule conditions run in. Two departures from the standard library keep the
// meaning conditions had before CEL:
// - a field an event does not carry is null, and null is an ordinary value: an ordering or a
//   string function applied to it is false, never an error (standard CEL has no overload for
//   `null < 5`, and an error under `!` would stay an error instead of becoming true);
// - `matches` uses the patterns compiled when the rule loaded, on RE2 (re2js, linear time), instead
//   of compiling the pattern again for every event as the standard `matches` does.
import { type CelEnv, type CelFunc, CelScalar, celEnv, celFunc, celMethod } from '@bufbuild/cel';
import type { LinearRegex } from '../../collector/src/domain/linear-regex.ts';

const { BOOL, DOUBLE, INT, NULL, STRING, UINT } = CelScalar;
const ORDERINGS = ['_<_', '_<=_', '_>_', '_>=_'] as const;
const STRING_METHODS = ['contains', 'startsWith', 'endsWith', 'matches'] as const;

const never = (): boolean => false;

function nullOverloads(): CelFunc[] {
  const funcs: CelFunc[] = [];
  for (const name of ORDERINGS) {
    for (const other of [NULL, INT, UINT, DOUBLE, STRING]) {
      funcs.push(celFunc(name, [NULL, other], BOOL, never));
      if (other !== NULL) funcs.push(celFunc(name, [other, NULL], BOOL, never));
    }
  }
  for (const name of STRING_METHODS) {
    funcs.push(celMethod(name, NULL, [STRING], BOOL, never));
    funcs.push(celMethod(name, STRING, [NULL], BOOL, never));
    funcs.push(celMethod(name, NULL, [NULL], BOOL, never));
  }
  return funcs;
}

const NULL_OVERLOADS = nullOverloads();
const SHARED = celEnv({ funcs: NULL_OVERLOADS });

/**
 * The environment for a condition; `patterns` are the condition's `matches` patterns, compiled
 * (a condition's patterns are string literals, checked at load time).
 */
export function conditionEnv(patterns: ReadonlyMap<string, LinearRegex>): CelEnv {
  if (patterns.size === 0) return SHARED;
  return celEnv({
    funcs: NULL_OVERLOADS,
    re2: {
      compile(pattern) {
        const regex = patterns.get(pattern);
        // Unreachable: the checker admits only literal patterns, all of them in `patterns`.
        if (regex === undefined) throw new Error(`pattern ${JSON.stringify(pattern)} was not compiled`);
        return regex;
      },
    },
  });
}
