// What changed between two versions, file by file (pure); the dashboard draws the side-by-side view.
import type { RuleFiles } from '../rules-config/rule-files.ts';

export type FileStatus = 'added' | 'removed' | 'changed' | 'same';

export interface FileDiff {
  file: string;
  status: FileStatus;
  /** The text in the first version; null when the file is not in it. */
  before: string | null;
  after: string | null;
}

/** Every file of either version, sorted by path. */
export function diffRuleFiles(before: RuleFiles, after: RuleFiles): FileDiff[] {
  const files = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return files.map((file) => {
    const a = Object.hasOwn(before, file) ? before[file]! : null;
    const b = Object.hasOwn(after, file) ? after[file]! : null;
    const status: FileStatus = a === null ? 'added' : b === null ? 'removed' : a === b ? 'same' : 'changed';
    return { file, status, before: a, after: b };
  });
}
