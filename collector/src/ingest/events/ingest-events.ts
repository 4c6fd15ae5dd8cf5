// POST /v1/events, minus HTTP: parse, validate each item, commit the valid ones (group commit),
// keep every rejected item as a dead letter, and say what happened to each.
import type { OrderEvent } from '../../domain/events.ts';
import { EVENT_TYPES, type EventType } from '../../domain/events.ts';
import type { NewDeadLetter } from '../../store/dead-letters.ts';
import type { EventWriter } from '../../store/event-writer.ts';
import type { TimeBounds } from '../event-time.ts';
import { parseEventsBody, UnparsableLine } from './parse-body.ts';
import { validateEvent } from './validate-event.ts';

export const MAX_EVENTS_PER_REQUEST = 10_000;
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface RejectedItem {
  index: number;
  error: string;
  message: string;
}

export interface IngestReply {
  accepted: number;
  duplicates: number;
  rejected: RejectedItem[];
}

export type IngestOutcome =
  | { kind: 'ok'; reply: IngestReply; events: OrderEvent[]; rejectedTypes: (EventType | 'unknown')[] }
  | { kind: 'invalid_body'; message: string }
  | { kind: 'too_many_events'; count: number };

export interface IngestDeps {
  writer: Pick<EventWriter, 'write'>;
  keepDeadLetters(letters: NewDeadLetter[]): Promise<void>;
}

const ENDPOINT = '/v1/events';

export async function ingestEvents(
  deps: IngestDeps,
  raw: string,
  options: { ndjson: boolean; source: string; bounds: TimeBounds },
): Promise<IngestOutcome> {
  // Every dead letter here comes from a caller whose ingest token was checked.
  const contentType = options.ndjson ? 'application/x-ndjson' : 'application/json';
  const parsed = parseEventsBody(raw, options.ndjson);
  if (!parsed.ok) {
    await deps.keepDeadLetters([
      {
        endpoint: ENDPOINT,
        authenticated: true,
        contentType,
        source: options.source,
        reason: 'invalid_body',
        message: parsed.message,
        itemIndex: null,
        raw,
      },
    ]);
    return { kind: 'invalid_body', message: parsed.message };
  }
  if (parsed.items.length > MAX_EVENTS_PER_REQUEST) {
    const message = `a request may carry at most ${MAX_EVENTS_PER_REQUEST} events, this one has ${parsed.items.length}`;
    await deps.keepDeadLetters([
      {
        endpoint: ENDPOINT,
        authenticated: true,
        contentType,
        source: options.source,
        reason: 'too_many_events',
        message,
        itemIndex: null,
        raw,
      },
    ]);
    return { kind: 'too_many_events', count: parsed.items.length };
  }
  const events: OrderEvent[] = [];
  const rejected: RejectedItem[] = [];
  const letters: NewDeadLetter[] = [];
  const rejectedTypes: (EventType | 'unknown')[] = [];
  parsed.items.forEach((item, index) => {
    const result =
      item instanceof UnparsableLine
        ? {
            ok: false as const,
            error: 'invalid_json',
            message: `line ${item.line} is not JSON: ${item.reason}`,
          }
        : validateEvent(item, options.source, options.bounds);
    if (result.ok) {
      events.push(result.event);
      return;
    }
    rejected.push({ index, error: result.error, message: result.message });
    const type = (item as { type?: unknown } | null)?.type;
    rejectedTypes.push(
      typeof type === 'string' && EVENT_TYPES.includes(type as EventType) ? (type as EventType) : 'unknown',
    );
    letters.push({
      endpoint: ENDPOINT,
      authenticated: true,
      contentType,
      source: options.source,
      reason: result.error,
      message: result.message,
      itemIndex: index,
      raw: parsed.textOf(index),
    });
  });
  const written = await deps.writer.write(events);
  await deps.keepDeadLetters(letters);
  return { kind: 'ok', reply: { ...written, rejected }, events, rejectedTypes };
}
