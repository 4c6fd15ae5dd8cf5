// Environment text → typed settings, checked against the schema variable by variable so that one
// run names every wrong value instead of the first.
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseDuration } from '../rules-config/duration.ts';
import { ENV_NAMES, type ENV_SCHEMA, type EnvName, variableSchema } from './schema.ts';

/** Every variable's value, its default where unset (or wrong); `undefined` only for those without one. */
export type Settings = Static<typeof ENV_SCHEMA>;

export function readEnvironment(env: NodeJS.ProcessEnv): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const settings: Record<string, unknown> = {};
  for (const name of ENV_NAMES) {
    const schema = variableSchema(name);
    const raw = env[name];
    // Compose files write `NAME: ${NAME:-}`: an empty value means unset, as it does for the shell.
    if (raw !== undefined && raw.trim() !== '') {
      const value = Value.Convert(schema, raw);
      if (Value.Check(schema, value)) {
        settings[name] = value;
        continue;
      }
      problems.push(problemWith(name, raw));
    }
    if (schema.default !== undefined) settings[name] = schema.default;
  }
  // Every property the schema does not mark optional has a default, so each is set by now.
  return { settings: settings as Settings, problems };
}

/** One variable as the collector reads it (its default when unset), for commands that need only it. */
export function settingOf<K extends EnvName>(env: NodeJS.ProcessEnv, name: K): Settings[K] {
  return readEnvironment({ [name]: env[name] }).settings[name];
}

function problemWith(name: EnvName, raw: string): string {
  const schema = variableSchema(name);
  const message = (schema.errorMessage ?? '{name} is not valid, got "{value}"')
    .replaceAll('{name}', name)
    .replaceAll('{value}', raw);
  // A duration's own parser says what is wrong with it ("has no unit; write e.g. 5s").
  const duration = String(schema.format ?? '').startsWith('duration') ? parseDuration(raw) : undefined;
  return duration && !duration.ok ? `${message}: ${duration.message}` : message;
}
