// The explanation of an automatic resolution as a catalogue message, built from the evidence kept on
// the item (`resolution_evidence`), so every reader gets it in their language; the stored English
// `note` stays for the audit log and older readers.
import type { MessageRef } from '../../messages/format-message.ts';

const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '—');

/** The message for `kind` explained by `evidence`, or null when the evidence is of no kind known here. */
export function healingNoteRef(
  kind: string,
  evidence: Record<string, unknown> | null | undefined,
): MessageRef | null {
  if (!evidence) return null;
  const orderId = text(evidence.order_id);
  const source = text(evidence.source);
  const transactionId = text(evidence.transaction_id);
  switch (evidence.kind) {
    case 'order_event':
      return kind === 'fuzzy_match'
        ? { key: 'healing.fuzzyOrderArrived', params: { orderId } }
        : { key: 'healing.orderArrived', params: { orderId, status: text(evidence.status), source } };
    case 'payment_event':
      return kind === 'fuzzy_match'
        ? { key: 'healing.paymentConfirmed', params: { source, transactionId, orderId } }
        : { key: 'healing.paymentReported', params: { source, transactionId, orderId } };
    case 'bill_line':
      return {
        key: 'healing.billLine',
        params: {
          provider: text(evidence.provider),
          importId: text(evidence.import_id),
          transactionId,
          orderId,
          match: text(evidence.match),
        },
      };
    default:
      return null;
  }
}
