// The rule set in force: read from the rules folder at start and on every change, handed to the
// engine (custom rules, built-in parameters with the promotions running now), and audited. A valid,
// changed set replaces the running one at once; an invalid one is recorded and refused, and the
// previous set keeps running. What the engine signals on a change goes back to the caller.
import type { RuleEngine } from '../domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../domain/rules/params.ts';
import type { Signal } from '../domain/rules/signal.ts';
import type { LoadError } from '../rules-config/load-error.ts';
import { loadRuleSet, type RuleSet } from '../rules-config/rule-set.ts';
import { type RuleSetChange, watchRuleSet } from '../rules-config/watch.ts';
import type { Queryable } from '../store/database.ts';
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
}

export type RulesLoad = 'start' | 'reload';

const SYSTEM = 'system';

/** The content hash of the last rule set the audit log records as loaded. */
async function lastAuditedRulesHash(db: Queryable): Promise<string | undefined> {
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

  /** Reads the folder; returns what the engine signals if the set changed. */
  async load(when: RulesLoad): Promise<Signal[]> {
    const { now, log } = this.deps;
    const result = await loadRuleSet(this.dir, { now });
    const change: RuleSetChange = result.ok
      ? { kind: 'loaded', ruleSet: result.ruleSet, previous: this.current.ruleSet }
      : { kind: 'rejected', errors: result.errors, current: this.current.ruleSet };
    // At start the set is only a change if it differs from the last one recorded in the audit log.
    const audit =
      when === 'reload' ||
      !result.ok ||
      (await lastAuditedRulesHash(this.deps.db)) !== result.ruleSet.contentHash;
    const signals = this.apply(change, when, audit);
    if (!result.ok) {
      log?.warn(
        { dir: this.dir, errors: result.errors, running: this.current.ruleSet?.contentHash ?? 'defaults' },
        'alert rules are invalid; the previous rule set keeps running',
      );
    }
    return signals;
  }

  /** Applies a change (from `load` or the watcher); returns what the engine signals. */
  apply(change: RuleSetChange, when: RulesLoad, audit = true): Signal[] {
    const { engine, writer, now: clock, log } = this.deps;
    const now = clock();
    const target = `rules/${this.dir}`;
    if (change.kind === 'rejected') {
      this.current = { ...this.current, lastAttempt: { at: now, ok: false, errors: change.errors } };
      writer.audit({
        at: now,
        actor: SYSTEM,
        action: 'rules.reject',
        target,
        details: { errors: change.errors, running_hash: this.current.ruleSet?.contentHash ?? null },
      });
      return [];
    }
    const ruleSet = change.ruleSet;
    const previous = this.current.ruleSet?.contentHash;
    this.current = { ...this.current, lastAttempt: { at: now, ok: true, errors: [] } };
    if (previous === ruleSet.contentHash) return [];
    this.current = {
      ...this.current,
      source: 'files',
      ruleSet,
      lastChange: { at: now, contentHash: ruleSet.contentHash },
    };
    // Alerts of custom rules that are gone resolve now, as when their condition ends.
    const signals = [
      ...engine.setCustomRules(engineCustomRules(ruleSet), now),
      ...engine.setParams(
        this.promotions.paramsAt(ruleSet.builtin, ruleSet.calendar, now),
        now,
        this.promotions.byStore(),
      ),
    ];
    log?.info({ dir: this.dir, hash: ruleSet.contentHash, when }, 'alert rules loaded');
    if (audit) {
      writer.audit({
        at: now,
        actor: SYSTEM,
        action: 'rules.load',
        target,
        details: {
          content_hash: ruleSet.contentHash,
          previous_hash: previous ?? null,
          files: ruleSet.files,
          custom_rules: ruleSet.custom.map((r) => r.name),
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

  /** Watches the folder; `onChange` gets every valid or refused change. Returns the stop. */
  watch(onChange: (change: RuleSetChange) => void): () => Promise<void> {
    const log = this.deps.log ?? { info: () => {}, warn: () => {} };
    return watchRuleSet(this.dir, onChange, log, {
      ...(this.current.ruleSet && { initial: this.current.ruleSet }),
      now: this.deps.now,
    });
  }
}
