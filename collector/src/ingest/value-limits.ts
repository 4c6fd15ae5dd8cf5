// What a parsed JSON value may hold before any part of it is trusted: no deeper than 32 levels (a
// deeper value overflows the stack of every recursive walk after it: schema checks, JSON.stringify,
// PostgreSQL's jsonb), and no U+0000 in a string (PostgreSQL text cannot hold it, and refusing one
// value fails the whole transaction it is in, which a group commit shares with other callers).

export const MAX_NESTING = 32;

/** A sentence naming what is wrong with `value`, or undefined when it is within the limits. */
export function valueLimitProblem(value: unknown): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? '(value): contains U+0000' : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  // A flat object (every event on the wire) is checked in one pass over its fields; only values
  // holding containers take the general walk.
  if (!Array.isArray(value)) {
    let nested = false;
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const v = (value as Record<string, unknown>)[key];
      if (typeof v === 'string') {
        if (v.includes('\u0000')) return `${key}: contains U+0000`;
      } else if (typeof v === 'object' && v !== null) nested = true;
    }
    if (!nested) return undefined;
  }
  return walk(value);
}

// An explicit stack rather than recursion: the value may be 10,000 levels deep.
function walk(value: object): string | undefined {
  const stack: { value: object; depth: number; field: string }[] = [{ value, depth: 1, field: '(value)' }];
  while (stack.length > 0) {
    const { value: container, depth, field } = stack.pop()!;
    if (depth > MAX_NESTING) return `${field}: nested deeper than ${MAX_NESTING} levels`;
    const entries: [string, unknown][] = Array.isArray(container)
      ? container.map((v): [string, unknown] => [field, v])
      : Object.keys(container).map((k): [string, unknown] => [
          depth === 1 ? k : field,
          (container as Record<string, unknown>)[k],
        ]);
    for (const [name, v] of entries) {
      if (typeof v === 'string') {
        if (v.includes('\u0000')) return `${name}: contains U+0000`;
      } else if (typeof v === 'object' && v !== null) {
        stack.push({ value: v, depth: depth + 1, field: name });
      }
    }
  }
  return undefined;
}

/** The first string field of a flat record (an event built from a provider's callback) holding U+0000. */
export function fieldWithNul(record: object): string | undefined {
  for (const [key, v] of Object.entries(record))
    if (typeof v === 'string' && v.includes('\u0000')) return key;
  return undefined;
}
