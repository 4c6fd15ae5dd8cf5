// The built-in rules' thresholds as a form, read from and written back to rules.yaml. The form holds
// what the file says ('' / null: not written, the default runs); writing it back touches only the
// values that changed, so the file's comments and layout survive.
import { type Document, parseDocument } from 'yaml';
import type { STALLABLE_STATUSES } from '../../../../collector/src/domain/rules/order-stalled.ts';
import type { BuiltinRuleName, Severity } from '../../../../collector/src/domain/rules/params.ts';
import {
  booleanAt,
  listAt,
  type Path,
  pruneEmpty,
  setBoolean,
  setList,
  setText,
  textAt,
} from './yaml-edits.ts';

export type StallableStatus = (typeof STALLABLE_STATUSES)[number];

/** order_stalled's statuses in lifecycle order; the Record type keeps them in step with the collector's. */
const STALLABLE: Record<StallableStatus, true> = {
  created: true,
  paid: true,
  picking: true,
  packed: true,
  shipped: true,
};
export const STALL_STATUSES = Object.keys(STALLABLE) as StallableStatus[];

const SEVERITY: Record<Severity, true> = { critical: true, warning: true, info: true };
export const SEVERITY_CHOICES = Object.keys(SEVERITY) as Severity[];

/** Every built-in rule, in the order rules.yaml lists them; the Record keeps the list complete. */
const RULES: Record<BuiltinRuleName, true> = {
  payment_unapplied: true,
  order_stalled: true,
  tracking_silent: true,
  shipment_anomaly: true,
  callback_silent: true,
  reconciliation_mismatch: true,
};
export const FORM_RULES = Object.keys(RULES) as BuiltinRuleName[];

/** The rules with one `limit` (a duration). */
export const SINGLE_LIMIT_RULES: readonly BuiltinRuleName[] = [
  'payment_unapplied',
  'tracking_silent',
  'callback_silent',
];

export interface RuleForm {
  /** null: not written in the file, the rule's default applies. */
  enabled: boolean | null;
  severity: Severity | '';
  /** `limit` of the single-limit rules ('' not written); unused by the others. */
  limit: string;
  /** order_stalled's per-status limits: a duration, `off`, or '' (not written). */
  limits: Record<StallableStatus, string>;
  stores: string[];
  excludeStores: string[];
}

export type BuiltinForm = Record<BuiltinRuleName, RuleForm>;

const rulePath = (name: BuiltinRuleName, ...rest: string[]): Path => ['rules', name, ...rest];

export function parseYaml(text: string): Document {
  return parseDocument(text);
}

/**
 * Applies `edit` to a fresh parse of `text`. An edit that changed nothing gives `text` back as it
 * was; otherwise the document is printed without folding long lines or padding `[a, b]`.
 */
export function rewrite(text: string, edit: (doc: Document) => void): string {
  const doc = parseYaml(text);
  const before = doc.toString(PRINT);
  edit(doc);
  const after = doc.toString(PRINT);
  return after === before ? text : after;
}

const PRINT = { lineWidth: 0, flowCollectionPadding: false } as const;

export function readBuiltinForm(doc: Document): BuiltinForm {
  const form = {} as BuiltinForm;
  for (const name of FORM_RULES) {
    const severity = textAt(doc, rulePath(name, 'severity'));
    form[name] = {
      enabled: booleanAt(doc, rulePath(name, 'enabled')),
      severity: (SEVERITY_CHOICES as string[]).includes(severity) ? (severity as Severity) : '',
      limit: SINGLE_LIMIT_RULES.includes(name) ? textAt(doc, rulePath(name, 'limit')) : '',
      limits: Object.fromEntries(
        STALL_STATUSES.map((s) => [
          s,
          name === 'order_stalled' ? textAt(doc, rulePath(name, 'limits', s)) : '',
        ]),
      ) as Record<StallableStatus, string>,
      stores: listAt(doc, rulePath(name, 'scope', 'stores')),
      excludeStores: listAt(doc, rulePath(name, 'scope', 'exclude_stores')),
    };
  }
  return form;
}

/** Writes the form into `doc`, changed values only. */
export function writeBuiltinForm(doc: Document, form: BuiltinForm): void {
  for (const name of FORM_RULES) {
    const rule = form[name];
    setBoolean(doc, rulePath(name, 'enabled'), rule.enabled);
    setText(doc, rulePath(name, 'severity'), rule.severity);
    if (SINGLE_LIMIT_RULES.includes(name)) setText(doc, rulePath(name, 'limit'), rule.limit);
    if (name === 'order_stalled') {
      for (const status of STALL_STATUSES)
        setText(doc, rulePath(name, 'limits', status), rule.limits[status]);
      pruneEmpty(doc, rulePath(name, 'limits'), 2);
    }
    setList(doc, rulePath(name, 'scope', 'stores'), rule.stores);
    setList(doc, rulePath(name, 'scope', 'exclude_stores'), rule.excludeStores);
    pruneEmpty(doc, rulePath(name, 'scope'), 2);
  }
}

/** The YAML a save sends for `form` over the file's `text`: the text itself when nothing changed. */
export function builtinYaml(text: string, form: BuiltinForm): string {
  return rewrite(text, (doc) => writeBuiltinForm(doc, form));
}
