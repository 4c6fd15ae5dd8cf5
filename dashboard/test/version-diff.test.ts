// The history's side-by-side diff: a replaced line faces its replacement, each side keeps its own
// line numbers, unchanged stretches fold into a gap, and each file says whether it was added,
// removed or changed. The checker's errors become editor marks at their line and column.
import { describe, expect, it } from 'vitest';
import { toDiagnostics } from '../src/lib/rule-editing/check-diagnostics.ts';
import { fileDiffView, sideBySide, withContext } from '../src/lib/rule-editing/version-diff.ts';

describe('side-by-side rows', () => {
  it('pairs a replaced line with its replacement and numbers each side in its own file', () => {
    const rows = sideBySide('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(rows).toEqual([
      { left: { line: 1, text: 'a', kind: 'same' }, right: { line: 1, text: 'a', kind: 'same' } },
      { left: { line: 2, text: 'b', kind: 'removed' }, right: { line: 2, text: 'B', kind: 'added' } },
      { left: { line: 3, text: 'c', kind: 'same' }, right: { line: 3, text: 'c', kind: 'same' } },
      { left: null, right: { line: 4, text: 'd', kind: 'added' } },
    ]);
  });

  it('leaves the right side empty for removed lines beyond the replacements', () => {
    const rows = sideBySide('x\ny\nz\n', 'X\n');
    expect(rows.map((r) => [r.left?.text ?? null, r.right?.text ?? null])).toEqual([
      ['x', 'X'],
      ['y', null],
      ['z', null],
    ]);
  });

  it('folds unchanged lines far from a change into a gap', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    const after = before.replace('line 10', 'line ten');
    const shown = withContext(sideBySide(before, after), 2);
    expect(shown[0]).toEqual({ gap: 7 });
    expect(shown.at(-1)).toEqual({ gap: 8 });
    expect(shown.length).toBe(2 + 5);
  });

  it('says what happened to each file and counts its lines', () => {
    expect(fileDiffView({ file: 'custom/a.yaml', before: null, after: 'rules: []\n' })).toMatchObject({
      status: 'added',
      added: 1,
      removed: 0,
    });
    expect(fileDiffView({ file: 'custom/a.yaml', before: 'rules: []\n', after: null }).status).toBe(
      'removed',
    );
    expect(fileDiffView({ file: 'rules.yaml', before: 'a\n', after: 'a\n' })).toMatchObject({
      status: 'unchanged',
      added: 0,
    });
    expect(fileDiffView({ file: 'rules.yaml', before: 'a\nb\n', after: 'a\nc\n' })).toMatchObject({
      status: 'changed',
      added: 1,
      removed: 1,
    });
  });
});

describe('check errors as editor marks', () => {
  const text = 'rules:\n  - name: x\n    when: amount_fen >> 3\n';
  it('underlines the word at the line and column the checker names', () => {
    const [d] = toDiagnostics(
      text,
      [{ file: 'custom/x.yaml', rule: 'x', field: 'when', message: 'unexpected ">"', line: 3, column: 22 }],
      'en',
    );
    expect(text.slice(d?.from, d?.to)).toBe('>>');
    expect(d?.message).toBe('x · when: unexpected ">"');
  });

  it('marks the whole line without a column, and the first line without either', () => {
    const [byLine, nowhere] = toDiagnostics(
      text,
      [
        { file: 'f', field: 'name', message: 'bad', line: 2 },
        { file: 'f', field: '', message: 'file is empty' },
      ],
      'en',
    );
    expect(text.slice(byLine?.from, byLine?.to)).toBe('  - name: x');
    expect(text.slice(nowhere?.from, nowhere?.to)).toBe('rules:');
    expect(nowhere?.message).toBe('file is empty');
  });
});
