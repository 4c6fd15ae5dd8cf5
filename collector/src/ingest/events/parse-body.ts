// A request body is one event object, a JSON array of events, or NDJSON (one JSON value a line).

export type ParsedBody =
  | {
      ok: true;
      items: unknown[];
      /** The item's own text as it came, for its dead letter (re-serialising could fail or differ). */
      textOf(index: number): string;
    }
  | { ok: false; message: string };

export function parseEventsBody(raw: string, ndjson: boolean): ParsedBody {
  if (ndjson) {
    const items: unknown[] = [];
    const texts: string[] = [];
    const lines = raw.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '') continue;
      texts.push(line);
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
    return { ok: true, items, textOf: (index) => texts[index] ?? '' };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { ok: false, message: `the body is not JSON: ${(error as Error).message}` };
  }
  if (Array.isArray(value)) {
    // Only bodies with a rejected item pay for the scan.
    let slices: string[] | undefined;
    const textOf = (index: number) => {
      slices ??= arrayElementTexts(raw);
      return slices[index] ?? '';
    };
    return { ok: true, items: value, textOf };
  }
  if (typeof value === 'object' && value !== null)
    return { ok: true, items: [value], textOf: () => raw.trim() };
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

/**
 * The text of each element of a JSON array, as written. `raw` is known to be valid JSON (it parsed),
 * so only strings and brackets need tracking: one linear pass, no recursion whatever the nesting.
 */
export function arrayElementTexts(raw: string): string[] {
  const out: string[] = [];
  let i = raw.indexOf('[') + 1;
  let depth = 0;
  let start = i;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < raw.length && raw.charCodeAt(i) !== 0x22; i++) if (raw.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      if (depth === 0) break;
      depth--;
    } else if (c === 0x2c /* , */ && depth === 0) {
      out.push(raw.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = raw.slice(start, i).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}
