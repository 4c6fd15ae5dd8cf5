// The side-by-side view of two versions of a rule file: jsdiff's line changes laid out as rows, a
// removed line on the left facing the line that replaced it on the right, each side numbered as in
// its own file.
import { diffLines } from 'diff';

export type CellKind = 'same' | 'removed' | 'added';

export interface DiffCell {
  /** 1-based line number in its own version. */
  line: number;
  text: string;
  kind: CellKind;
}

/** One row: a cell on each side, or null where that side has no line (pure addition or removal). */
export interface DiffRow {
  left: DiffCell | null;
  right: DiffCell | null;
}

export type FileStatus = 'added' | 'removed' | 'changed' | 'unchanged';

export interface FileDiffView {
  file: string;
  status: FileStatus;
  rows: DiffRow[];
  added: number;
  removed: number;
}

function linesOf(value: string): string[] {
  const lines = value.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export function sideBySide(before: string, after: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let left = 1;
  let right = 1;
  let removed: string[] = [];
  const flushRemoved = (added: string[]) => {
    const n = Math.max(removed.length, added.length);
    for (let i = 0; i < n; i++) {
      const l = removed[i];
      const r = added[i];
      rows.push({
        left: l === undefined ? null : { line: left++, text: l, kind: 'removed' },
        right: r === undefined ? null : { line: right++, text: r, kind: 'added' },
      });
    }
    removed = [];
  };
  for (const change of diffLines(before, after)) {
    const lines = linesOf(change.value);
    if (change.removed) {
      removed.push(...lines);
    } else if (change.added) {
      flushRemoved(lines);
    } else {
      flushRemoved([]);
      for (const text of lines)
        rows.push({
          left: { line: left++, text, kind: 'same' },
          right: { line: right++, text, kind: 'same' },
        });
    }
  }
  flushRemoved([]);
  return rows;
}

/** A file as the diff endpoint sends it: null `before` for a new file, null `after` for a removed one. */
export interface FileChange {
  file: string;
  before: string | null;
  after: string | null;
}

export function fileDiffView(change: FileChange): FileDiffView {
  const rows = sideBySide(change.before ?? '', change.after ?? '');
  const status: FileStatus =
    change.before === null
      ? 'added'
      : change.after === null
        ? 'removed'
        : change.before === change.after
          ? 'unchanged'
          : 'changed';
  return {
    file: change.file,
    status,
    rows,
    added: rows.filter((r) => r.right?.kind === 'added').length,
    removed: rows.filter((r) => r.left?.kind === 'removed').length,
  };
}

/**
 * Only the changed rows and `context` rows around each change; the rows left out between two shown
 * ones become one `gap` marker with how many lines it hides.
 */
export type ShownRow = DiffRow | { gap: number };

export function withContext(rows: readonly DiffRow[], context = 3): ShownRow[] {
  const changed = rows.map((r) => r.left?.kind !== 'same' || r.right?.kind !== 'same');
  const keep = rows.map((_, i) => changed.slice(Math.max(0, i - context), i + context + 1).some(Boolean));
  const shown: ShownRow[] = [];
  let hidden = 0;
  rows.forEach((row, i) => {
    if (keep[i]) {
      if (hidden > 0) shown.push({ gap: hidden });
      hidden = 0;
      shown.push(row);
    } else hidden++;
  });
  if (hidden > 0) shown.push({ gap: hidden });
  return shown;
}
