// The built-in rules' thresholds as a form, read from and written back to rules.yaml. The form holds
// what the file says ('' / null: not written, the default runs); writing it back touches only the
// values that changed, so the file's comments and layout survive. Fields are checked with the rule
// checker's own patterns and messages.
import { type Document, parseDocument } from 'yaml';
import {
  LABEL_NAME,
  RESERVED_LABELS,
  ROUTE_LABEL,
} from '../../../../collector/src/domain/alerts/label-syntax.ts';
import type { STALLABLE_STATUSES } from '../../../../collector/src/domain/rules/order-stalled.ts';
import type { BuiltinRuleName, Severity } from '../../../../collector/src/domain/rules/params.ts';
import type { MessageRef } from '../../../../collector/src/messages/format-message.ts';
import { parseDuration } from '../../../../collector/src/rules-config/duration.ts';
import { problem } from '../../../../collector/src/rules-config/problem.ts';
import {
  booleanAt,
  listAt,
  mapAt,
  type Path,
  pruneEmpty,
  setBoolean,
  setList,
  setMap,
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
  /** How long the condition must hold before the alert fires ('' not written). */
  for: string;
  /** `cool_down`: a resolved alert firing again within it re-opens the same alert. */
  coolDown: string;
  /** The alerts' `route` label, which routes.yaml sends to a receiver ('' not written). */
  route: string;
  /** Extra labels, in the file's order. */
  labels: [string, string][];
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
      for: textAt(doc, rulePath(name, 'for')),
      coolDown: textAt(doc, rulePath(name, 'cool_down')),
      route: textAt(doc, rulePath(name, 'route')),
      labels: mapAt(doc, rulePath(name, 'labels')),
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
    setText(doc, rulePath(name, 'for'), rule.for);
    setText(doc, rulePath(name, 'cool_down'), rule.coolDown);
    setText(doc, rulePath(name, 'route'), rule.route);
    setMap(doc, rulePath(name, 'labels'), rule.labels);
  }
}

/** A form field whose value the rule-file checker would refuse, and its problem. */
export interface FieldProblem {
  rule: BuiltinRuleName;
  field: 'for' | 'cool_down' | 'route' | 'labels';
  problem: MessageRef;
}

function durationProblem(text: string): MessageRef | undefined {
  if (text.trim() === '') return undefined;
  const parsed = parseDuration(text);
  return parsed.ok ? undefined : problem('ruleError.notDuration', { reason: [parsed.problem] });
}

/**
 * What the checker would say of the fields below, as it says it (same patterns, same messages), so
 * the form points at the field before a save. Whether a route leads anywhere is the checker's alone:
 * it reads routes.yaml.
 */
export function builtinProblems(form: BuiltinForm): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const rule of FORM_RULES) {
    const f = form[rule];
    const forProblem = durationProblem(f.for);
    if (forProblem) problems.push({ rule, field: 'for', problem: forProblem });
    const coolDownProblem = durationProblem(f.coolDown);
    if (coolDownProblem) problems.push({ rule, field: 'cool_down', problem: coolDownProblem });
    const route = f.route.trim();
    if (route !== '' && !ROUTE_LABEL.test(route))
      problems.push({ rule, field: 'route', problem: problem('ruleError.routeLabelSyntax', { route }) });
    for (const [name] of f.labels) {
      if (!LABEL_NAME.test(name))
        problems.push({
          rule,
          field: 'labels',
          problem: problem('ruleError.labelNameSyntax', { name, pattern: LABEL_NAME.source }),
        });
      else if ((RESERVED_LABELS as readonly string[]).includes(name))
        problems.push({ rule, field: 'labels', problem: problem('ruleError.reservedLabel', { name }) });
    }
  }
  return problems;
}

/** The YAML a save sends for `form` over the file's `text`: the text itself when nothing changed. */
export function builtinYaml(text: string, form: BuiltinForm): string {
  return rewrite(text, (doc) => writeBuiltinForm(doc, form));
}
