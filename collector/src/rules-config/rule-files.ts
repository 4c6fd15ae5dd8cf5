// A rule set as text: each file of alert-rules/ by its path relative to the directory
// (`rules.yaml`, `custom/x.yaml`). The form a version is stored and edited in; pure.
import { createHash } from 'node:crypto';

export type RuleFiles = Readonly<Record<string, string>>;

export const RULES_FILE = 'rules.yaml';
export const ROUTES_FILE = 'routes.yaml';
export const CALENDAR_FILE = 'calendar.yaml';
export const CUSTOM_DIR = 'custom';
export const KNOWN_FILES: readonly string[] = [RULES_FILE, ROUTES_FILE, CALENDAR_FILE];

/** A custom rules file name as the API takes it (`{name}` of `custom/{name}.yaml`). */
export const CUSTOM_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const customFile = (name: string): string => `${CUSTOM_DIR}/${name}.yaml`;

/** Whether `file` is a path a rule set may hold: a known file or a validly named custom file. */
export function isRuleFilePath(file: string): boolean {
  if (KNOWN_FILES.includes(file)) return true;
  const prefix = `${CUSTOM_DIR}/`;
  return file.startsWith(prefix) && file.endsWith('.yaml') && CUSTOM_NAME.test(file.slice(prefix.length, -5));
}

/** sha256 (hex) over the files' relative paths and UTF-8 bytes, in sorted path order. */
export function hashRuleFiles(files: RuleFiles): string {
  // Paths are hashed too, so renaming a custom rule file is a change; lengths keep the framing unambiguous.
  const hash = createHash('sha256');
  for (const file of Object.keys(files).sort()) {
    const bytes = Buffer.from(files[file] ?? '', 'utf8');
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** `files` with `file` set to `text`, or removed when `text` is undefined; sorted by path. */
export function withFile(files: RuleFiles, file: string, text: string | undefined): RuleFiles {
  const next: Record<string, string> = {};
  for (const key of Object.keys(files).sort()) if (key !== file) next[key] = files[key]!;
  if (text !== undefined) next[file] = text;
  return sortedFiles(next);
}

export function sortedFiles(files: RuleFiles): RuleFiles {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(files).sort()) sorted[key] = files[key]!;
  return sorted;
}
