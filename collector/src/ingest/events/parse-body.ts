// A request body is one event object, a JSON array of events, or NDJSON (one JSON value a line).

export type ParsedBody = { ok: true; items: unknown[] } | { ok: false; message: string };

export function parseEventsBody(raw: string, ndjson: boolean): ParsedBody {
  if (ndjson) {
    const items: unknown[] = [];
    const lines = raw.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '') continue;
      try {
        items.push(JSON.parse(line));
      } catch (error) {
        // One broken line is that item's problem, not the whole body's: keep it as an item error.
        items.push(new UnparsableLine(i + 1, (error as Error).message, line));
      }
    }
    if (items.length === 0) return { ok: false, message: 'the NDJSON body holds no events' };
    if (items.every((item) => item instanceof UnparsableLine)) {
      return { ok: false, message: 'the body is not NDJSON: no line parses as JSON' };
    }
    return { ok: true, items };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { ok: false, message: `the body is not JSON: ${(error as Error).message}` };
  }
  if (Array.isArray(value)) return { ok: true, items: value };
  if (typeof value === 'object' && value !== null) return { ok: true, items: [value] };
  return { ok: false, message: 'the body must be an event object or an array of events' };
}

/** An NDJSON line that is not JSON: rejected as its own item, kept verbatim as a dead letter. */
export class UnparsableLine {
  constructor(
    readonly line: number,
    readonly reason: string,
    readonly text: string,
  ) {}
}
