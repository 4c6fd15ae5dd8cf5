// What a rule says about one entity at one moment: the condition started (firing) or cleared
// (resolved). The alert lifecycle (domain/alerts) turns signals into durable alerts.
import { type MessageRef, renderBoth } from '../../messages/format-message.ts';
import type { Severity } from './params.ts';

export type EntityType = 'order' | 'shipment' | 'provider' | 'store';

/**
 * A human summary in both languages, and, for the built-in rules, the catalogue message and the
 * rule's parameters it was rendered from, so every reader can render it in their own language.
 */
export interface Summary {
  zh: string;
  en: string;
  message?: MessageRef;
}

/** The summary of a catalogue message, rendered once in each language and kept with its parameters. */
export function summaryOf(message: MessageRef): Summary {
  return { ...renderBoth(message), message };
}

export interface Signal {
  /** A built-in rule name or a custom rule's name. */
  rule: string;
  entityType: EntityType;
  /** Order id, shipment key (see shipmentKey), provider name or store id. */
  entityId: string;
  /** Null for provider-level signals, which belong to no store. */
  storeId: string | null;
  condition: 'firing' | 'resolved';
  severity: Severity;
  /** Event time: when the condition started (firing) or cleared (resolved). */
  at: number;
  summary: Summary;
  labels: Record<string, string>;
}
