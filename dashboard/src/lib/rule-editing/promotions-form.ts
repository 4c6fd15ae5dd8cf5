// calendar.yaml's promotions as a form: each window's name, times, stores and the limits it
// overrides. Like the built-in form, writing back touches only what changed; a promotion removed
// from the form is removed from the list, a new one is appended; other keys of an override
// (min_orders, severity…) and the rest of calendar.yaml are left as written.
import { type Document, isSeq } from 'yaml';
import type { BuiltinRuleName } from '../../../../collector/src/domain/rules/params.ts';
import { rewrite, STALL_STATUSES, type StallableStatus } from './builtin-form.ts';
import { listAt, type Path, pruneEmpty, setList, setText, textAt } from './yaml-edits.ts';

/** The single-limit rules a promotion may loosen or tighten from the form. */
export const OVERRIDE_LIMIT_RULES = [
  'payment_unapplied',
  'tracking_silent',
  'callback_silent',
] as const satisfies readonly BuiltinRuleName[];
export type OverrideLimitRule = (typeof OVERRIDE_LIMIT_RULES)[number];

export interface PromotionForm {
  /** Its position in the file's list when read from it; null for one added in the form. */
  index: number | null;
  name: string;
  /** RFC 3339 with an offset, as the file wants it. */
  from: string;
  to: string;
  /** Empty: every store. */
  stores: string[];
  /** order_stalled's per-status limits during the window ('' not overridden, `off`). */
  stalled: Record<StallableStatus, string>;
  /** The other rules' `limit` during the window ('' not overridden). */
  limits: Record<OverrideLimitRule, string>;
}

const at = (i: number, ...rest: (string | number)[]): Path => ['promotions', i, ...rest];

function promotionCount(doc: Document): number {
  const list = doc.get('promotions', true);
  return isSeq(list) ? list.items.length : 0;
}

export function readPromotions(doc: Document): PromotionForm[] {
  return Array.from({ length: promotionCount(doc) }, (_, i) => ({
    index: i,
    name: textAt(doc, at(i, 'name')),
    from: textAt(doc, at(i, 'from')),
    to: textAt(doc, at(i, 'to')),
    stores: listAt(doc, at(i, 'stores')),
    stalled: Object.fromEntries(
      STALL_STATUSES.map((s) => [s, textAt(doc, at(i, 'overrides', 'order_stalled', 'limits', s))]),
    ) as Record<StallableStatus, string>,
    limits: Object.fromEntries(
      OVERRIDE_LIMIT_RULES.map((r) => [r, textAt(doc, at(i, 'overrides', r, 'limit'))]),
    ) as Record<OverrideLimitRule, string>,
  }));
}

export function blankPromotion(): PromotionForm {
  return {
    index: null,
    name: '',
    from: '',
    to: '',
    stores: [],
    stalled: Object.fromEntries(STALL_STATUSES.map((s) => [s, ''])) as Record<StallableStatus, string>,
    limits: Object.fromEntries(OVERRIDE_LIMIT_RULES.map((r) => [r, ''])) as Record<OverrideLimitRule, string>,
  };
}

function writeOne(doc: Document, i: number, p: PromotionForm): void {
  setText(doc, at(i, 'name'), p.name);
  setText(doc, at(i, 'from'), p.from);
  setText(doc, at(i, 'to'), p.to);
  setList(doc, at(i, 'stores'), p.stores);
  for (const s of STALL_STATUSES)
    setText(doc, at(i, 'overrides', 'order_stalled', 'limits', s), p.stalled[s]);
  pruneEmpty(doc, at(i, 'overrides', 'order_stalled', 'limits'), 3);
  for (const r of OVERRIDE_LIMIT_RULES) {
    setText(doc, at(i, 'overrides', r, 'limit'), p.limits[r]);
    pruneEmpty(doc, at(i, 'overrides', r), 3);
  }
}

export function writePromotions(doc: Document, forms: readonly PromotionForm[]): void {
  const kept = new Set(forms.flatMap((p) => (p.index === null ? [] : [p.index])));
  for (const p of forms) if (p.index !== null) writeOne(doc, p.index, p);
  // Removed ones go from the end, so the indices of those before them still hold.
  for (let i = promotionCount(doc) - 1; i >= 0; i--) if (!kept.has(i)) doc.deleteIn(['promotions', i]);
  for (const p of forms) {
    if (p.index !== null) continue;
    const list = doc.get('promotions', true);
    if (!isSeq(list)) doc.set('promotions', doc.createNode([]));
    const seq = doc.get('promotions', true);
    if (!isSeq(seq)) continue;
    seq.items.push(doc.createNode({ name: p.name }));
    writeOne(doc, seq.items.length - 1, p);
  }
}

/** The calendar.yaml a save sends for `forms` over the file's `text`. */
export function promotionsYaml(text: string, forms: readonly PromotionForm[]): string {
  return rewrite(text, (doc) => writePromotions(doc, forms));
}
