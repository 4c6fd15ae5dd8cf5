// Loads alert-rules/ as one unit: every file is parsed strictly, then checked across files
// (route labels exist, custom names are unique). Either the whole set is valid or nothing is
// returned but the errors, so a half-valid directory can never replace running rules. Reading the
// directory and parsing the texts are separate steps: a stored or submitted version is parsed by
// the same checker as the files.
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { alwaysOpenCalendar, type Calendar } from '../domain/alerts/calendar.ts';
import type { BuiltinRuleName, BuiltinRuleParams } from '../domain/rules/params.ts';
import type { MessageRef } from '../messages/format-message.ts';
import { type RuleRouting, readBuiltinRules } from './builtin-rules.ts';
import { DEFAULT_TIME_ZONE, readCalendar } from './calendar.ts';
import { type CustomRule, readCustomRules } from './custom-rules.ts';
import { fileError, type LoadError } from './load-error.ts';
import { part, problem } from './problem.ts';
import { type RoutingConfig, readRoutes } from './routes.ts';
import {
  CALENDAR_FILE,
  CUSTOM_DIR,
  hashRuleFiles,
  KNOWN_FILES,
  ROUTES_FILE,
  RULES_FILE,
  type RuleFiles,
  sortedFiles,
} from './rule-files.ts';
import type { Cursor } from './yaml-cursor.ts';
import { readYamlFile } from './yaml-file.ts';

export { CALENDAR_FILE, CUSTOM_DIR, ROUTES_FILE, RULES_FILE } from './rule-files.ts';

export interface RuleSet {
  builtin: BuiltinRuleParams;
  /** Route label and extra labels of each built-in rule's alerts. */
  builtinRouting: Readonly<Record<BuiltinRuleName, RuleRouting>>;
  custom: readonly CustomRule[];
  routing: RoutingConfig;
  /** The domain's Calendar type (collector/src/domain/alerts/calendar.ts). */
  calendar: Calendar;
  /** sha256 (hex) over the files' relative paths and bytes, in sorted path order. */
  contentHash: string;
  /** Epoch ms. */
  loadedAt: number;
  /** The files read, relative to the directory, sorted. */
  files: readonly string[];
  /** The text of each file, by the same relative path. */
  texts: RuleFiles;
}

export type LoadResult = { ok: true; ruleSet: RuleSet } | { ok: false; errors: LoadError[] };

/** Subdirectories that belong to other tools (Prometheus rules with promtool tests). */
const FOREIGN_DIRS = ['prometheus'];

export interface LoadOptions {
  /** Clock for `loadedAt`; defaults to Date.now. */
  now?: () => number;
}

export interface ParseOptions extends LoadOptions {
  /**
   * The file being edited: a custom rule name it shares with another file is reported in it (not
   * in the other file), so the errors point at the text the editor submitted.
   */
  focus?: string;
}

export type ReadResult =
  | { ok: true; files: RuleFiles; errors: LoadError[] }
  | { ok: false; errors: LoadError[] };

/** Reads the rule files of `dir` as text; unreadable or unexpected files are errors. */
export async function readRuleFiles(dir: string): Promise<ReadResult> {
  const listed = await listRuleFiles(dir);
  if (!listed.ok) return listed;
  const errors: LoadError[] = [...listed.errors];
  const files: Record<string, string> = {};
  for (const file of listed.files) {
    try {
      files[file] = (await readFile(path.join(dir, file))).toString('utf8');
    } catch (error) {
      errors.push(fileError(file, problem('ruleError.cannotRead', { code: errorCode(error) })));
    }
  }
  return { ok: true, files: sortedFiles(files), errors };
}

export async function loadRuleSet(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const read = await readRuleFiles(dir);
  if (!read.ok) return read;
  const parsed = parseRuleFiles(read.files, options);
  if (read.errors.length === 0) return parsed;
  return { ok: false, errors: [...read.errors, ...(parsed.ok ? [] : parsed.errors)] };
}

/** Parses and cross-checks a whole set given as texts (no I/O). */
export function parseRuleFiles(files: RuleFiles, options: ParseOptions = {}): LoadResult {
  const names = Object.keys(files).sort();
  const errors: LoadError[] = [];
  for (const required of [RULES_FILE, ROUTES_FILE]) {
    if (!names.includes(required)) {
      errors.push(
        fileError(required, problem('ruleError.fileMissing', { rules: RULES_FILE, routes: ROUTES_FILE })),
      );
    }
  }
  const parse = (file: string) => {
    const source = files[file];
    return source === undefined ? undefined : readYamlFile(file, source);
  };
  const rulesYaml = parse(RULES_FILE);
  const routesYaml = parse(ROUTES_FILE);
  const calendarYaml = parse(CALENDAR_FILE);

  const builtin = rulesYaml?.parsed ? readBuiltinRules(rulesYaml.root) : undefined;
  const routes = routesYaml?.parsed ? readRoutes(routesYaml.root) : undefined;
  const calendar = calendarYaml?.parsed
    ? readCalendar(calendarYaml.root)
    : alwaysOpenCalendar(DEFAULT_TIME_ZONE);

  const custom: CustomRule[] = [];
  const routeCursors: Array<{ route: string; cursor: Cursor }> = [...(builtin?.routeCursors ?? [])];
  const definedIn = new Map<string, string>();
  const customFiles = names.filter((file) => file.startsWith(`${CUSTOM_DIR}/`));
  // The focused file goes last, so a duplicate name is reported where the editor can fix it.
  const inOrder = [
    ...customFiles.filter((file) => file !== options.focus),
    ...customFiles.filter((file) => file === options.focus),
  ];
  const customYaml = inOrder.map(parse);
  for (const yaml of customYaml) {
    if (yaml === undefined || !yaml.parsed) continue;
    const read = readCustomRules(yaml.root, yaml.file);
    for (const { name, cursor } of read.nameCursors) {
      const first = definedIn.get(name);
      if (first !== undefined) cursor.error(problem('ruleError.customRuleTwice', { name, file: first }));
      else definedIn.set(name, yaml.file);
    }
    routeCursors.push(...read.routeCursors);
    custom.push(...read.rules.filter((rule) => definedIn.get(rule.name) === yaml.file));
  }
  custom.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

  // A rule's `route:` is only useful if some route in routes.yaml matches route="…".
  if (routes?.routing !== undefined) {
    const known = [...routes.routeLabelValues].sort();
    for (const { route, cursor } of routeCursors) {
      if (!routes.routeLabelValues.has(route)) {
        const hint =
          known.length === 0
            ? part('ruleWord.noRouteMatchers')
            : part('ruleWord.matchedRoutes', { routes: known.join(', ') });
        cursor.error(problem('ruleError.routeUnmatched', { route, file: ROUTES_FILE, hint }));
      }
    }
  }

  for (const yaml of [rulesYaml, routesYaml, calendarYaml, ...customYaml]) {
    if (yaml !== undefined) errors.push(...yaml.errors);
  }
  if (errors.length > 0 || builtin === undefined || routes?.routing === undefined) {
    if (errors.length === 0) errors.push(fileError(ROUTES_FILE, problem('ruleError.couldNotRead')));
    return { ok: false, errors };
  }
  const texts = sortedFiles(files);
  const ruleSet: RuleSet = {
    builtin: builtin.params,
    builtinRouting: builtin.routing,
    custom,
    routing: routes.routing,
    calendar,
    contentHash: hashRuleFiles(texts),
    loadedAt: (options.now ?? Date.now)(),
    files: names,
    texts,
  };
  return { ok: true, ruleSet };
}

type Listing = { ok: true; files: string[]; errors: LoadError[] } | { ok: false; errors: LoadError[] };

/** The rule files of `dir`, relative and sorted; unexpected YAML files are errors, not ignored. */
export async function listRuleFiles(dir: string): Promise<Listing> {
  try {
    if (!(await stat(dir)).isDirectory()) {
      return { ok: false, errors: [fileError(dir, problem('ruleError.notADirectory'))] };
    }
  } catch {
    return { ok: false, errors: [fileError(dir, problem('ruleError.noDirectory'))] };
  }
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    return {
      ok: false,
      errors: [fileError(dir, problem('ruleError.cannotList', { code: errorCode(error) }))],
    };
  }
  const files: string[] = [];
  const errors: LoadError[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) {
      if (entry.name === CUSTOM_DIR) files.push(...(await listCustom(path.join(dir, CUSTOM_DIR), errors)));
      continue;
    }
    if (!isYaml(entry.name)) continue;
    if (KNOWN_FILES.includes(entry.name)) files.push(entry.name);
    else errors.push(fileError(entry.name, unknownFileProblem(entry.name)));
  }
  return { ok: true, files: files.sort(), errors };
}

async function listCustom(dir: string, errors: LoadError[]): Promise<string[]> {
  const files: string[] = [];
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    // Removed or replaced while being listed (an editor or a deploy mid-way): report, do not throw.
    errors.push(fileError(`${CUSTOM_DIR}/`, problem('ruleError.cannotList', { code: errorCode(error) })));
    return files;
  }
  for (const entry of entries) {
    const file = `${CUSTOM_DIR}/${entry.name}`;
    if (entry.isFile() && entry.name.endsWith('.yaml')) files.push(file);
    else if (entry.isFile() && entry.name.endsWith('.yml')) {
      errors.push(fileError(file, problem('ruleError.customYml')));
    }
  }
  return files;
}

function isYaml(name: string): boolean {
  return name.endsWith('.yaml') || name.endsWith('.yml');
}

function unknownFileProblem(name: string): MessageRef {
  if (name.endsWith('.yml') && KNOWN_FILES.includes(`${name.slice(0, -4)}.yaml`)) {
    return problem('ruleError.renameYml', { name: `${name.slice(0, -4)}.yaml` });
  }
  return problem('ruleError.unknownFile', {
    known: KNOWN_FILES.join(', '),
    custom: `${CUSTOM_DIR}/*.yaml`,
    foreign: `${FOREIGN_DIRS.join(', ')}/`,
  });
}

/** The errno code (`EACCES`…) of a failed read, else the error as text. */
function errorCode(error: unknown): string {
  return String((error as NodeJS.ErrnoException).code ?? error);
}

/** One line for logs and `rules check`: what the set holds. */
export function describeRuleSet(ruleSet: RuleSet): string {
  const builtins = Object.values(ruleSet.builtin) as Array<{ enabled: boolean }>;
  const enabled = builtins.filter((rule) => rule.enabled).length;
  const receivers = Object.keys(ruleSet.routing.receivers).length;
  const routes = countRoutes(ruleSet.routing.route);
  const promotions = ruleSet.calendar.promotions.length;
  const stores = Object.keys(ruleSet.calendar.storeHours).length;
  return [
    `${enabled} of ${builtins.length} built-in rules enabled`,
    `${ruleSet.custom.length} custom rule${ruleSet.custom.length === 1 ? '' : 's'}`,
    `${routes} route${routes === 1 ? '' : 's'} to ${receivers} receiver${receivers === 1 ? '' : 's'}`,
    `business hours for ${stores} store${stores === 1 ? '' : 's'} beyond the default`,
    `${promotions} promotion${promotions === 1 ? '' : 's'}`,
    `sha256 ${ruleSet.contentHash.slice(0, 12)}`,
  ].join(', ');
}

function countRoutes(route: RoutingConfig['route']): number {
  return 1 + route.routes.reduce((sum, child) => sum + countRoutes(child), 0);
}
