// The rule set in force: handed to the engine (custom rules, built-in parameters with the
// promotions running now) and audited. Which set that is (the files, or a stored version) is
// decided by RuleVersionKeeper; a valid, changed set replaces the running one at once, an invalid
// one is recorded and refused and the previous set keeps running. What the engine signals on a
// change goes back to the caller.
import type { RuleEngine } from '../domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../domain/rules/params.ts';
import type { Signal } from '../domain/rules/signal.ts';
import type { LoadError } from '../rules-config/load-error.ts';
import type { RuleSet } from '../rules-config/rule-set.ts';
import type { Queryable } from '../store/database.ts';
import type { RuleVersionInfo } from '../store/rule-versions.ts';
import type { AlertingLog, AlertWriter } from './alert-writer.ts';
import { PromotionParams } from './promotion-params.ts';
import { engineCustomRules } from './rule-set-adapter.ts';

export interface RulesStatus {
  dir: string;
  /** `files`: a valid rule set from dir is running; `defaults`: none ever loaded, contract defaults run. */
  source: 'files' | 'defaults';
  ruleSet: RuleSet | undefined;
  /** The latest load attempt. Invalid: the previous rule set keeps running. */
  lastAttempt: { at: number; ok: boolean; errors: readonly LoadError[] } | undefined;
  /** The latest change actually applied. */
  lastChange: { at: number; contentHash: string | undefined } | undefined;
  /** The stored version in force (undefined while the defaults run). */
  version: RuleVersionInfo | undefined;
}

export type RulesLoad = 'start' | 'reload';

const SYSTEM = 'system';

/** The content hash of the last rule set the audit log records as loaded. */
export async function lastAuditedRulesHash(db: Queryable): Promise<string | undefined> {
  const { rows } = await db.query<{ hash: string | null }>(
    `SELECT details->>'content_hash' AS hash FROM audit_log WHERE action = 'rules.load' ORDER BY id DESC LIMIT 1`,
  );
  return rows[0]?.hash ?? undefined;
}

export class RuleSetHolder {
  private current: RulesStatus;
  private readonly promotions = new PromotionParams();

  constructor(
    private readonly dir: string,
    private readonly deps: {
      db: Queryable;
      engine: RuleEngine;
      writer: AlertWriter;
      now: () => number;
      log: AlertingLog | undefined;
    },
  ) {
    this.current = {
      dir,
      source: 'defaults',
      ruleSet: undefined,
      lastAttempt: undefined,
      lastChange: undefined,
      version: undefined,
    };
  }

  status(): RulesStatus {
    return this.current;
  }

  get ruleSet(): RuleSet | undefined {
    return this.current.ruleSet;
  }

  /** The built-in parameters in force, as rules.yaml says them (before promotions). */
  get builtin() {
    return this.current.ruleSet?.builtin ?? DEFAULT_RULE_PARAMS;
  }

  /** Chain-wide promotions (calendar.yaml) whose rule parameters are in force now. */
  promotionsInForce(): readonly string[] {
    return this.promotions.inForce();
  }

  /** Running promotions limited to some stores (in force for those stores' orders and shipments). */
  storePromotionsInForce(): readonly string[] {
    return this.promotions.storeLimitedInForce();
  }

  /** A valid read of the files that changes nothing (they are what was last recorded). */
  attempted(): void {
    this.current = { ...this.current, lastAttempt: { at: this.deps.now(), ok: true, errors: [] } };
  }

  /** A set that was refused (invalid files); the set in force keeps running. Audited. */
  reject(errors: readonly LoadError[]): Signal[] {
    const now = this.deps.now();
    this.current = { ...this.current, lastAttempt: { at: now, ok: false, errors } };
    this.deps.writer.audit({
      at: now,
      actor: SYSTEM,
      action: 'rules.reject',
      target: `rules/${this.dir}`,
      details: { errors, running_hash: this.current.ruleSet?.contentHash ?? null },
    });
    return [];
  }

  /**
   * Puts `ruleSet` (the set of `version`) in force; returns what the engine signals. `audit`:
   * whether the change is recorded (a restart that finds the same set in force records nothing).
   */
  install(ruleSet: RuleSet, version: RuleVersionInfo | undefined, when: RulesLoad, audit: boolean): Signal[] {
    const { engine, writer, now: clock, log } = this.deps;
    const now = clock();
    const previous = this.current.ruleSet?.contentHash;
    const previousVersion = this.current.version?.version;
    this.current = { ...this.current, lastAttempt: { at: now, ok: true, errors: [] } };
    if (version !== undefined) this.current = { ...this.current, version };
    if (previous === ruleSet.contentHash && previousVersion === version?.version) return [];
    this.current = {
      ...this.current,
      source: 'files',
      ruleSet,
      lastChange: { at: now, contentHash: ruleSet.contentHash },
    };
    // Alerts of custom rules that are gone resolve now, as when their condition ends.
    const signals =
      previous === ruleSet.contentHash
        ? []
        : [
            ...engine.setCustomRules(engineCustomRules(ruleSet), now),
            ...engine.setParams(
              this.promotions.paramsAt(ruleSet.builtin, ruleSet.calendar, now),
              now,
              this.promotions.byStore(),
            ),
          ];
    log?.info(
      { dir: this.dir, hash: ruleSet.contentHash, version: version?.version, when },
      'alert rules loaded',
    );
    if (audit) {
      writer.audit({
        at: now,
        actor: version?.author ?? SYSTEM,
        action: 'rules.load',
        target: `rules/${this.dir}`,
        details: {
          content_hash: ruleSet.contentHash,
          previous_hash: previous ?? null,
          files: ruleSet.files,
          custom_rules: ruleSet.custom.map((r) => r.name),
          ...(version && {
            version: version.version,
            previous_version: previousVersion ?? null,
            source: version.source,
            ...(version.note !== undefined && { note: version.note }),
          }),
        },
      });
    }
    return signals;
  }

  /** Re-parameterises the engine when a promotion starts or ends; returns what it signals. */
  duePromotions(now: number): Signal[] {
    const ruleSet = this.current.ruleSet;
    const promoted = ruleSet && this.promotions.due(ruleSet.builtin, ruleSet.calendar, now);
    if (!promoted) return [];
    this.deps.log?.info(
      { promotions: this.promotions.inForce(), storePromotions: this.promotions.storeLimitedInForce() },
      'alerting: promotion parameters changed',
    );
    return this.deps.engine.setParams(promoted, now, this.promotions.byStore());
  }
}
