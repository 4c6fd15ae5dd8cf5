// A misspelt ORDERPULSE_* name would otherwise be ignored in silence and its default used.
import { closestName } from '../rules-config/spelling.ts';
import { ENV_NAMES } from './schema.ts';

const PREFIX = 'ORDERPULSE_';

export interface UnknownVariable {
  name: string;
  /** The schema's name closest in spelling, if one is close. */
  suggestion?: string;
}

/**
 * `ORDERPULSE_*` names set in `env` that neither the schema nor `namedElsewhere` (the variables
 * routes.yaml's `*_env` keys name, which are only known once the rule files are read) knows.
 */
export function unknownVariables(
  env: NodeJS.ProcessEnv,
  namedElsewhere: Iterable<string>,
): UnknownVariable[] {
  const known = new Set<string>([...ENV_NAMES, ...namedElsewhere]);
  // Compared without the shared prefix, so that it does not make every name look close.
  const candidates = ENV_NAMES.filter((n) => n.startsWith(PREFIX)).map((n) => n.slice(PREFIX.length));
  return Object.keys(env)
    .filter((name) => name.startsWith(PREFIX) && !known.has(name))
    .sort()
    .map((name) => {
      const closest = closestName(name.slice(PREFIX.length), candidates);
      return closest === undefined ? { name } : { name, suggestion: PREFIX + closest };
    });
}

export function describeUnknownVariable({ name, suggestion }: UnknownVariable): string {
  const hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
  return `${name} is set but is neither a collector setting nor named by routes.yaml, so it has no effect${hint}`;
}
