// What a parsed JSON value may hold before any part of it is trusted: no deeper than 32 levels (a
// deeper value overflows the stack of every recursive walk after it: schema checks, JSON.stringify,
// PostgreSQL's jsonb), and no U+0000 in a string (PostgreSQL text cannot hold it, and refusing one
// value fails the whole transaction it is in, which a group commit shares with other callers).

export const MAX_NESTING = 32;

/** A sentence naming what is wrong with `value`, or undefined when it is within the limits. */
export function valueLimitProblem(value: unknown): string | undefined {
  // An explicit stack rather than recursion: the value may be 10,000 levels deep. Only containers
  // are pushed, so a flat event costs one pass over its fields and no allocation per field.
  const stack: { value: object; depth: number; field: string }[] = [];
  const visit = (v: unknown, depth: number, field: string): string | undefined => {
    if (typeof v === 'string') return v.includes('\u0000') ? `${field}: contains U+0000` : undefined;
    if (typeof v !== 'object' || v === null) return undefined;
    if (depth > MAX_NESTING) return `${field}: nested deeper than ${MAX_NESTING} levels`;
    stack.push({ value: v, depth, field });
    return undefined;
  };
  const top = visit(value, 1, '(value)');
  if (top !== undefined) return top;
  while (stack.length > 0) {
    const { value: container, depth, field } = stack.pop()!;
    if (Array.isArray(container)) {
      for (const item of container) {
        const problem = visit(item, depth + 1, field);
        if (problem !== undefined) return problem;
      }
    } else {
      for (const key of Object.keys(container)) {
        const problem = visit(
          (container as Record<string, unknown>)[key],
          depth + 1,
          depth === 1 ? key : field,
        );
        if (problem !== undefined) return problem;
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
