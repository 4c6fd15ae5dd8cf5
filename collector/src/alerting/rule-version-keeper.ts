// Which rule set is in force, as versions: the files of the rules folder (at start and on each
// change) and the edits made through the API each become an immutable version in the store, and
// the newest is handed to the RuleSetHolder (see rule-versions/precedence.ts for why). Every
// method is called one at a time (AlertingService queues them), so "the set in force" cannot
// change between reading it and storing its successor.
import type { Signal } from '../domain/rules/signal.ts';
import { decideAtStart, filesChanged } from '../rule-versions/precedence.ts';
import { fileError, type LoadError } from '../rules-config/load-error.ts';
import { problem } from '../rules-config/problem.ts';
import { CUSTOM_DIR, hashRuleFiles, type RuleFiles, withFile } from '../rules-config/rule-files.ts';
import { loadRuleSet, parseRuleFiles, type RuleSet } from '../rules-config/rule-set.ts';
import { type RuleSetChange, watchRuleSet } from '../rules-config/watch.ts';
import type { Queryable } from '../store/database.ts';
import {
  getRuleVersion,
  insertRuleVersion,
  latestFileRuleVersion,
  latestRuleVersion,
  newestRuleVersionId,
  type RuleVersion,
  type RuleVersionInfo,
} from '../store/rule-versions.ts';
import type { AlertingLog } from './alert-writer.ts';
import { lastAuditedRulesHash, type RuleSetHolder } from './rule-set-holder.ts';

const SYSTEM = 'system';
/** Each file is at most 1 MiB (the checker's limit); this bounds what one version can hold. */
const MAX_CUSTOM_FILES = 256;

/** A change asked for through the API. */
export type RuleEdit =
  | { kind: 'put'; file: string; text: string }
  | { kind: 'delete'; file: string }
  | { kind: 'rollback'; version: string };

export type EditResult =
  /** `changed` false: the result equals the set in force; no version was made. */
  | { ok: true; version: RuleVersionInfo; changed: boolean; signals: Signal[] }
  | { ok: false; reason: 'invalid'; errors: LoadError[] }
  | { ok: false; reason: 'not_found'; what: string };

export class RuleVersionKeeper {
  /** Hash of the files as last read and recorded; a file change is one that differs from it. */
  private lastFileHash: string | undefined;
  /** The valid set last read from the files (what the watcher compares with). */
  private filesSet: RuleSet | undefined;

  constructor(
    private readonly dir: string,
    private readonly deps: {
      db: Queryable;
      holder: RuleSetHolder;
      now: () => number;
      log: AlertingLog | undefined;
    },
  ) {}

  /** At start: the files, or the newest stored version when the files are unchanged since it. */
  async start(): Promise<Signal[]> {
    const { db, holder, now } = this.deps;
    const result = await loadRuleSet(this.dir, { now });
    const [latest, lastFile] = [await latestRuleVersion(db), await latestFileRuleVersion(db)];
    this.lastFileHash = lastFile?.hash;
    if (result.ok) this.filesSet = result.ruleSet;
    const decision = decideAtStart({
      filesHash: result.ok ? result.ruleSet.contentHash : undefined,
      lastFileHash: this.lastFileHash,
      hasVersions: latest !== undefined,
    });
    const signals: Signal[] = [];
    if (decision.kind === 'record-files' && result.ok) {
      signals.push(...(await this.recordFiles(result.ruleSet, 'start')));
    } else if (decision.kind === 'keep-latest' && latest !== undefined) {
      signals.push(...(await this.installStored(latest)));
    }
    // Reported after the stored set is in force, so GET /v1/rules shows the files' errors.
    if (!result.ok) {
      this.warnInvalid(result.errors);
      signals.push(...holder.reject(result.errors));
    }
    return signals;
  }

  private async installStored(version: RuleVersion): Promise<Signal[]> {
    const parsed = parseRuleFiles(version.files, { now: this.deps.now });
    if (!parsed.ok) {
      // Stored versions were valid when stored; a checker grown stricter since is the only way here.
      this.warnInvalid(parsed.errors);
      return [];
    }
    const audit = (await lastAuditedRulesHash(this.deps.db)) !== parsed.ruleSet.contentHash;
    return this.deps.holder.install(parsed.ruleSet, version, 'start', audit);
  }

  /** Reads the files again; a valid set that differs from the last one read becomes a version. */
  async reload(): Promise<Signal[]> {
    const result = await loadRuleSet(this.dir, { now: this.deps.now });
    if (!result.ok) {
      this.warnInvalid(result.errors);
      return this.deps.holder.reject(result.errors);
    }
    return this.recordIfChanged(result.ruleSet);
  }

  /** A change the watcher saw. */
  async fileChange(change: RuleSetChange): Promise<Signal[]> {
    if (change.kind === 'rejected') return this.deps.holder.reject(change.errors);
    return this.recordIfChanged(change.ruleSet);
  }

  /**
   * Puts a newer version made by another collector on the same store in force (cluster mode: an
   * edit reaches whichever node took the request). That node audited it; this one does not again.
   */
  async follow(): Promise<Signal[]> {
    const newest = await newestRuleVersionId(this.deps.db);
    if (newest === undefined || newest === this.deps.holder.status().version?.version) return [];
    const latest = await latestRuleVersion(this.deps.db);
    if (latest === undefined) return [];
    const parsed = parseRuleFiles(latest.files, { now: this.deps.now });
    if (!parsed.ok) {
      this.warnInvalid(parsed.errors);
      return [];
    }
    return this.deps.holder.install(parsed.ruleSet, latest, 'reload', false);
  }

  /** Watches the folder; `onChange` gets every valid or refused change. Returns the stop. */
  watch(onChange: (change: RuleSetChange) => void): () => Promise<void> {
    const log = this.deps.log ?? { info: () => {}, warn: () => {} };
    return watchRuleSet(this.dir, onChange, log, {
      ...(this.filesSet && { initial: this.filesSet }),
      now: this.deps.now,
    });
  }

  /** The set in force with `file` replaced by `text` (or added), checked; nothing is stored. */
  check(file: string, text: string): LoadError[] {
    const files = withFile(this.inForce(), file, text);
    const result = parseRuleFiles(files, { now: this.deps.now, focus: file });
    return result.ok ? [] : result.errors;
  }

  /** Applies an API edit as a new version (source `api`, author `author`) if it is valid. */
  async edit(edit: RuleEdit, author: string, note: string | undefined): Promise<EditResult> {
    const current = this.inForce();
    let files: RuleFiles;
    let focus: string | undefined;
    if (edit.kind === 'put') {
      files = withFile(current, edit.file, edit.text);
      focus = edit.file;
    } else if (edit.kind === 'delete') {
      if (!Object.hasOwn(current, edit.file)) return { ok: false, reason: 'not_found', what: edit.file };
      files = withFile(current, edit.file, undefined);
    } else {
      const target = await getRuleVersion(this.deps.db, edit.version);
      if (target === undefined) return { ok: false, reason: 'not_found', what: `version ${edit.version}` };
      files = target.files;
    }
    const customCount = Object.keys(files).filter((file) => file.startsWith(`${CUSTOM_DIR}/`)).length;
    if (edit.kind === 'put' && customCount > MAX_CUSTOM_FILES) {
      const tooMany = problem('ruleError.tooManyCustomFiles', { max: String(MAX_CUSTOM_FILES) });
      return { ok: false, reason: 'invalid', errors: [fileError(edit.file, tooMany)] };
    }
    const parsed = parseRuleFiles(files, { now: this.deps.now, ...(focus !== undefined && { focus }) });
    if (!parsed.ok) return { ok: false, reason: 'invalid', errors: parsed.errors };
    const inForce = this.deps.holder.status().version;
    if (inForce !== undefined && parsed.ruleSet.contentHash === inForce.hash) {
      return { ok: true, version: inForce, changed: false, signals: [] };
    }
    const version = await this.store(parsed.ruleSet.texts, 'api', author, note);
    return {
      ok: true,
      version,
      changed: true,
      signals: this.deps.holder.install(parsed.ruleSet, version, 'reload', true),
    };
  }

  private inForce(): RuleFiles {
    return this.deps.holder.ruleSet?.texts ?? {};
  }

  private async recordIfChanged(ruleSet: RuleSet): Promise<Signal[]> {
    this.filesSet = ruleSet;
    if (!filesChanged(ruleSet.contentHash, this.lastFileHash)) {
      // Unchanged files keep what is in force (perhaps an API edit); the attempt itself was valid.
      this.deps.holder.attempted();
      return [];
    }
    return this.recordFiles(ruleSet, 'reload');
  }

  private async recordFiles(ruleSet: RuleSet, when: 'start' | 'reload'): Promise<Signal[]> {
    const version = await this.store(ruleSet.texts, 'file', SYSTEM, undefined);
    this.lastFileHash = version.hash;
    return this.deps.holder.install(ruleSet, version, when, true);
  }

  private store(files: RuleFiles, source: 'file' | 'api', author: string, note: string | undefined) {
    const version: Omit<RuleVersion, 'version'> = {
      hash: hashRuleFiles(files),
      source,
      author,
      at: this.deps.now(),
      note,
      files,
    };
    return insertRuleVersion(this.deps.db, version);
  }

  private warnInvalid(errors: readonly LoadError[]): void {
    this.deps.log?.warn(
      { dir: this.dir, errors, running: this.deps.holder.ruleSet?.contentHash ?? 'defaults' },
      'alert rules are invalid; the previous rule set keeps running',
    );
  }
}
