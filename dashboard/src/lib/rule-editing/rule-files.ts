// The rule set version the editor starts from: its files by path, which of them are custom-rule
// files, and the checker's errors out of a refused save or check.
import type { ApiResult } from '../api.ts';
import type { RuleError, RuleVersionDetail } from '../api-types.ts';

export type RuleFiles = ReadonlyMap<string, string>;

export function filesOf(detail: RuleVersionDetail): RuleFiles {
  return new Map(Object.entries(detail.files));
}

const CUSTOM = /^custom\/(.+)\.ya?ml$/;

/** `custom/priority-orders.yaml` → `priority-orders`, the name PUT /v1/rules/custom/{name} takes. */
export function customName(file: string): string | undefined {
  return CUSTOM.exec(file)?.[1];
}

export function customFiles(files: RuleFiles): string[] {
  return [...files.keys()].filter((f) => customName(f) !== undefined).sort();
}

/** A custom-rule file name as an author may type it (the collector's CUSTOM_RULES_NAME). */
export const CUSTOM_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function customFileOf(name: string): string {
  return `custom/${name}.yaml`;
}

/** The checker's errors of a 400 reply; [] for any other outcome. */
export function checkErrors(result: ApiResult<unknown>): RuleError[] {
  if (result.ok || result.status !== 400 || !Array.isArray(result.details)) return [];
  return result.details.filter(
    (d): d is RuleError =>
      typeof d === 'object' && d !== null && typeof (d as RuleError).message === 'string',
  );
}
