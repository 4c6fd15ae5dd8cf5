// Loads alert-rules/ as one unit: every file is parsed strictly, then checked across files
// (route labels exist, custom names are unique). Either the whole set is valid or nothing is
// returned but the errors, so a half-valid directory can never replace running rules.
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { alwaysOpenCalendar, type Calendar } from '../domain/alerts/calendar.ts';
import type { BuiltinRuleName, BuiltinRuleParams } from '../domain/rules/params.ts';
import { type RuleRouting, readBuiltinRules } from './builtin-rules.ts';
import { DEFAULT_TIME_ZONE, readCalendar } from './calendar.ts';
import { type CustomRule, readCustomRules } from './custom-rules.ts';
import type { LoadError } from './load-error.ts';
import { type RoutingConfig, readRoutes } from './routes.ts';
import type { Cursor } from './yaml-cursor.ts';
import { readYamlFile } from './yaml-file.ts';

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
}

export type LoadResult = { ok: true; ruleSet: RuleSet } | { ok: false; errors: LoadError[] };

export const RULES_FILE = 'rules.yaml';
export const ROUTES_FILE = 'routes.yaml';
export const CALENDAR_FILE = 'calendar.yaml';
export const CUSTOM_DIR = 'custom';
const KNOWN_FILES = [RULES_FILE, ROUTES_FILE, CALENDAR_FILE];
/** Subdirectories that belong to other tools (Prometheus rules with promtool tests). */
const FOREIGN_DIRS = ['prometheus'];

export interface LoadOptions {
  /** Clock for `loadedAt`; defaults to Date.now. */
  now?: () => number;
}

export async function loadRuleSet(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const listed = await listRuleFiles(dir);
  if (!listed.ok) return listed;
  const errors: LoadError[] = [...listed.errors];
  const contents = new Map<string, Buffer>();
  for (const file of listed.files) {
    try {
      contents.set(file, await readFile(path.join(dir, file)));
    } catch (error) {
      errors.push({
        file,
        field: '',
        message: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? error}`,
      });
    }
  }
  for (const required of [RULES_FILE, ROUTES_FILE]) {
    if (!listed.files.includes(required)) {
      errors.push({
        file: required,
        field: '',
        message: `is missing; the rule directory needs ${RULES_FILE} and ${ROUTES_FILE}`,
      });
    }
  }
  const text = (file: string): string | undefined => contents.get(file)?.toString('utf8');

  const parse = (file: string) => {
    const source = text(file);
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
  const customYaml = listed.files.filter((file) => file.startsWith(`${CUSTOM_DIR}/`)).map(parse);
  for (const yaml of customYaml) {
    if (yaml === undefined || !yaml.parsed) continue;
    const read = readCustomRules(yaml.root, yaml.file);
    for (const { name, cursor } of read.nameCursors) {
      const first = definedIn.get(name);
      if (first !== undefined) cursor.error(`custom rule "${name}" is already defined in ${first}`);
      else definedIn.set(name, yaml.file);
    }
    routeCursors.push(...read.routeCursors);
    custom.push(...read.rules.filter((rule) => definedIn.get(rule.name) === yaml.file));
  }

  // A rule's `route:` is only useful if some route in routes.yaml matches route="…".
  if (routes?.routing !== undefined) {
    const known = [...routes.routeLabelValues].sort();
    for (const { route, cursor } of routeCursors) {
      if (!routes.routeLabelValues.has(route)) {
        const hint =
          known.length === 0 ? 'no route matches on route="…"' : `matched routes: ${known.join(', ')}`;
        cursor.error(
          `route "${route}" is not matched by any route in ${ROUTES_FILE} (add a matcher route="${route}"; ${hint})`,
        );
      }
    }
  }

  for (const yaml of [rulesYaml, routesYaml, calendarYaml, ...customYaml]) {
    if (yaml !== undefined) errors.push(...yaml.errors);
  }
  if (errors.length > 0 || builtin === undefined || routes?.routing === undefined) {
    if (errors.length === 0) errors.push({ file: ROUTES_FILE, field: '', message: 'could not be read' });
    return { ok: false, errors };
  }
  const ruleSet: RuleSet = {
    builtin: builtin.params,
    builtinRouting: builtin.routing,
    custom,
    routing: routes.routing,
    calendar,
    contentHash: hashFiles(listed.files, contents),
    loadedAt: (options.now ?? Date.now)(),
    files: listed.files,
  };
  return { ok: true, ruleSet };
}

type Listing = { ok: true; files: string[]; errors: LoadError[] } | { ok: false; errors: LoadError[] };

/** The rule files of `dir`, relative and sorted; unexpected YAML files are errors, not ignored. */
export async function listRuleFiles(dir: string): Promise<Listing> {
  try {
    if (!(await stat(dir)).isDirectory()) {
      return { ok: false, errors: [{ file: dir, field: '', message: 'is not a directory' }] };
    }
  } catch {
    return { ok: false, errors: [{ file: dir, field: '', message: 'directory does not exist' }] };
  }
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    return {
      ok: false,
      errors: [
        {
          file: dir,
          field: '',
          message: `cannot be listed: ${(error as NodeJS.ErrnoException).code ?? error}`,
        },
      ],
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
    else errors.push({ file: entry.name, field: '', message: unknownFileMessage(entry.name) });
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
    errors.push({
      file: `${CUSTOM_DIR}/`,
      field: '',
      message: `cannot be listed: ${(error as NodeJS.ErrnoException).code ?? error}`,
    });
    return files;
  }
  for (const entry of entries) {
    const file = `${CUSTOM_DIR}/${entry.name}`;
    if (entry.isFile() && entry.name.endsWith('.yaml')) files.push(file);
    else if (entry.isFile() && entry.name.endsWith('.yml')) {
      errors.push({ file, field: '', message: 'custom rule files must end in .yaml' });
    }
  }
  return files;
}

function isYaml(name: string): boolean {
  return name.endsWith('.yaml') || name.endsWith('.yml');
}

function unknownFileMessage(name: string): string {
  const known = `${KNOWN_FILES.join(', ')} and ${CUSTOM_DIR}/*.yaml`;
  if (name.endsWith('.yml') && KNOWN_FILES.includes(`${name.slice(0, -4)}.yaml`)) {
    return `must be named ${name.slice(0, -4)}.yaml`;
  }
  return `is not a rule file OrderPulse knows (it reads ${known}; ${FOREIGN_DIRS.join(', ')}/ is left to other tools)`;
}

function hashFiles(files: readonly string[], contents: ReadonlyMap<string, Buffer>): string {
  // Paths are hashed too, so renaming a custom rule file is a change; lengths keep the framing unambiguous.
  const hash = createHash('sha256');
  for (const file of [...files].sort()) {
    const bytes = contents.get(file) ?? Buffer.alloc(0);
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
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
