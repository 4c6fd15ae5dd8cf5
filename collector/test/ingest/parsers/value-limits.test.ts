// What a parsed JSON value may hold: no U+0000 in any string, no deeper than 32 levels, with the
// field named in the sentence; and the flat-record check used for providers' events.
import { describe, expect, it } from 'vitest';
import { fieldWithNul, MAX_NESTING, valueLimitProblem } from '../../../src/ingest/value-limits.ts';

/** `levels` containers nested in one another, the innermost holding `inner`. */
function nested(levels: number, inner: unknown = 1, asArray = false): unknown {
  let value: unknown = inner;
  for (let i = 0; i < levels; i++) value = asArray ? [value] : { k: value };
  return value;
}

describe('valueLimitProblem', () => {
  it('passes plain values and a flat event', () => {
    expect(valueLimitProblem('text')).toBeUndefined();
    expect(valueLimitProblem(42)).toBeUndefined();
    expect(valueLimitProblem(null)).toBeUndefined();
    expect(valueLimitProblem({ id: 'e1', amount_fen: 100, ok: true, none: null })).toBeUndefined();
  });

  it('names U+0000 in a bare string and in a flat field', () => {
    expect(valueLimitProblem('a\u0000b')).toBe('(value): contains U+0000');
    expect(valueLimitProblem({ id: 'e1', order_id: 'O\u0000' })).toBe('order_id: contains U+0000');
  });

  it('names the top-level field holding U+0000 however deep it sits', () => {
    expect(valueLimitProblem({ id: 'e1', meta: { a: { b: 'x\u0000' } } })).toBe('meta: contains U+0000');
    expect(valueLimitProblem({ id: 'e1', meta: { a: 1 }, tags: ['ok', 'n\u0000'] })).toBe(
      'tags: contains U+0000',
    );
    expect(valueLimitProblem(['ok', 'x\u0000'])).toBe('(value): contains U+0000');
    expect(valueLimitProblem([{ id: 'x\u0000' }])).toBe('(value): contains U+0000');
  });

  it('passes a nested value without U+0000', () => {
    expect(valueLimitProblem({ id: 'e1', meta: { a: ['x', { b: 'y' }], c: null } })).toBeUndefined();
    expect(valueLimitProblem([1, 'two', [3]])).toBeUndefined();
  });

  it('takes 32 levels of nesting and refuses 33, naming the field', () => {
    expect(MAX_NESTING).toBe(32);
    expect(valueLimitProblem(nested(32))).toBeUndefined();
    expect(valueLimitProblem(nested(33))).toBe('k: nested deeper than 32 levels');
    expect(valueLimitProblem(nested(32, 1, true))).toBeUndefined();
    expect(valueLimitProblem(nested(33, 1, true))).toBe('(value): nested deeper than 32 levels');
  });

  it('walks 10,000 levels without overflowing the stack', () => {
    expect(valueLimitProblem(nested(10_000, 'x', true))).toBe('(value): nested deeper than 32 levels');
  });

  it('ignores inherited properties of a flat record', () => {
    const record = Object.create({ inherited: 'x\u0000' }) as Record<string, unknown>;
    record.id = 'e1';
    expect(valueLimitProblem(record)).toBeUndefined();
  });
});

describe('fieldWithNul', () => {
  it('names the first string field holding U+0000 and ignores other types', () => {
    expect(fieldWithNul({ a: 1, b: 'ok', c: 'x\u0000', d: 'y\u0000' })).toBe('c');
    expect(fieldWithNul({ a: 1, b: 'ok', c: ['x\u0000'] })).toBeUndefined();
  });
});
