// The pure parts of rule-set versions: the content hash, which set is in force at start, the
// file-by-file diff, and the names a file may have.
import { describe, expect, it } from 'vitest';
import { decideAtStart, filesChanged } from '../../src/rule-versions/precedence.ts';
import { diffRuleFiles } from '../../src/rule-versions/version-diff.ts';
import { hashRuleFiles, isRuleFilePath, withFile } from '../../src/rules-config/rule-files.ts';

describe('hashRuleFiles', () => {
  it('depends on paths and texts, not on key order', () => {
    const a = hashRuleFiles({ 'rules.yaml': 'x', 'routes.yaml': 'y' });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRuleFiles({ 'routes.yaml': 'y', 'rules.yaml': 'x' })).toBe(a);
    expect(hashRuleFiles({ 'rules.yaml': 'x', 'routes.yaml': 'y ' })).not.toBe(a);
    expect(hashRuleFiles({ 'rules.yaml': 'x', 'custom/a.yaml': 'y' })).not.toBe(a);
    // Framing: moving bytes from one file to the next is a different set.
    expect(hashRuleFiles({ 'a.yaml': 'xy', 'b.yaml': '' })).not.toBe(
      hashRuleFiles({ 'a.yaml': 'x', 'b.yaml': 'y' }),
    );
  });
});

describe('decideAtStart', () => {
  it('records the files when they changed since the last file version, or nothing is stored', () => {
    expect(decideAtStart({ filesHash: 'f2', lastFileHash: 'f1', hasVersions: true })).toEqual({
      kind: 'record-files',
    });
    expect(decideAtStart({ filesHash: 'f1', lastFileHash: undefined, hasVersions: false })).toEqual({
      kind: 'record-files',
    });
    // Only API versions stored (the files were never valid before): the files are recorded.
    expect(decideAtStart({ filesHash: 'f1', lastFileHash: undefined, hasVersions: true })).toEqual({
      kind: 'record-files',
    });
  });

  it('keeps the newest version (an API edit) when the files are unchanged or invalid', () => {
    expect(decideAtStart({ filesHash: 'f1', lastFileHash: 'f1', hasVersions: true })).toEqual({
      kind: 'keep-latest',
    });
    expect(decideAtStart({ filesHash: undefined, lastFileHash: 'f1', hasVersions: true })).toEqual({
      kind: 'keep-latest',
    });
  });

  it('runs the defaults when nothing valid exists', () => {
    expect(decideAtStart({ filesHash: undefined, lastFileHash: undefined, hasVersions: false })).toEqual({
      kind: 'defaults',
    });
  });

  it('while running, only files that differ from the last ones read are a change', () => {
    expect(filesChanged('a', 'a')).toBe(false);
    expect(filesChanged('b', 'a')).toBe(true);
    expect(filesChanged('a', undefined)).toBe(true);
  });
});

describe('diffRuleFiles', () => {
  it('classifies every file of either version, sorted by path', () => {
    const before = { 'rules.yaml': 'r1', 'routes.yaml': 'x', 'custom/old.yaml': 'o' };
    const after = { 'rules.yaml': 'r2', 'routes.yaml': 'x', 'custom/new.yaml': 'n' };
    expect(diffRuleFiles(before, after)).toEqual([
      { file: 'custom/new.yaml', status: 'added', before: null, after: 'n' },
      { file: 'custom/old.yaml', status: 'removed', before: 'o', after: null },
      { file: 'routes.yaml', status: 'same', before: 'x', after: 'x' },
      { file: 'rules.yaml', status: 'changed', before: 'r1', after: 'r2' },
    ]);
  });

  it('an empty file is a file, not an absent one', () => {
    expect(diffRuleFiles({ 'calendar.yaml': '' }, {})).toEqual([
      { file: 'calendar.yaml', status: 'removed', before: '', after: null },
    ]);
  });
});

describe('rule file paths', () => {
  it('takes the known files and validly named custom files only', () => {
    for (const ok of [
      'rules.yaml',
      'routes.yaml',
      'calendar.yaml',
      'custom/team.yaml',
      'custom/a_b-9.yaml',
    ]) {
      expect(isRuleFilePath(ok), ok).toBe(true);
    }
    for (const bad of [
      'custom/../rules.yaml',
      'custom/Team.yaml',
      'custom/_x.yaml',
      'other.yaml',
      'custom/a.yml',
      'custom/',
    ]) {
      expect(isRuleFilePath(bad), bad).toBe(false);
    }
  });

  it('withFile replaces, adds and removes a file without touching the original', () => {
    const files = { 'rules.yaml': 'r' };
    expect(withFile(files, 'custom/a.yaml', 'a')).toEqual({ 'custom/a.yaml': 'a', 'rules.yaml': 'r' });
    expect(withFile(files, 'rules.yaml', 'r2')).toEqual({ 'rules.yaml': 'r2' });
    expect(withFile(files, 'rules.yaml', undefined)).toEqual({});
    expect(files).toEqual({ 'rules.yaml': 'r' });
  });
});
