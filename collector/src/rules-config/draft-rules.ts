// A draft custom rules file (the text an operator is about to put in custom/), checked the way
// `orderpulse rules check` checks a file of custom/: strict YAML, every rule read and its condition
// compiled by readCustomRules, names unique within the file, and every `route:` matched by a route
// of the routes.yaml in force. Nothing is written; the draft's rules are returned to be tried.

import { type CustomRule, readCustomRules } from './custom-rules.ts';
import { fileError, type LoadError } from './load-error.ts';
import { part, problem } from './problem.ts';
import type { Route, RoutingConfig } from './routes.ts';
import { CUSTOM_DIR, ROUTES_FILE } from './rule-set.ts';
import { readYamlFile } from './yaml-file.ts';

export type DraftCheck = { ok: true; rules: CustomRule[] } | { ok: false; errors: LoadError[] };

/** `file` is the name the draft would have under custom/ (errors name it `custom/<file>`). */
export function checkDraftRules(file: string, text: string, routing: RoutingConfig | undefined): DraftCheck {
  const yaml = readYamlFile(`${CUSTOM_DIR}/${file}`, text);
  const read = yaml.parsed ? readCustomRules(yaml.root, yaml.file) : undefined;
  if (read !== undefined) {
    const seen = new Set<string>();
    for (const { name, cursor } of read.nameCursors) {
      if (seen.has(name)) cursor.error(problem('ruleError.customRuleTwice', { name, file: yaml.file }));
      seen.add(name);
    }
    if (routing !== undefined) {
      const known = routeLabelValues(routing.route);
      for (const { route, cursor } of read.routeCursors) {
        if (known.has(route)) continue;
        const sorted = [...known].sort();
        const hint =
          sorted.length === 0
            ? part('ruleWord.noRouteMatchers')
            : part('ruleWord.matchedRoutes', { routes: sorted.join(', ') });
        cursor.error(problem('ruleError.routeUnmatched', { route, file: ROUTES_FILE, hint }));
      }
    }
  }
  if (yaml.errors.length > 0 || read === undefined) return { ok: false, errors: [...yaml.errors] };
  if (read.rules.length === 0) {
    return {
      ok: false,
      errors: [{ ...fileError(yaml.file, problem('ruleError.draftWithoutRules')), field: 'rules' }],
    };
  }
  return { ok: true, rules: read.rules };
}

/** The `route="…"` values the tree matches on (what loadRuleSet collects while reading routes.yaml). */
function routeLabelValues(route: Route, into = new Set<string>()): Set<string> {
  for (const m of route.matchers) if (m.name === 'route' && m.operator === '=') into.add(m.value);
  for (const child of route.routes) routeLabelValues(child, into);
  return into;
}
