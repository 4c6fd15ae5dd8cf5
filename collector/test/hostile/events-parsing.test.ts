// The events body parser and the item validator given anything at all: each item is an event or one
// of the documented item errors, never an exception; a valid event among broken ones is still found.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../../src/ingest/event-time.ts';
import { parseEventsBody, UnparsableLine } from '../../src/ingest/events/parse-body.ts';
import { validateEvent } from '../../src/ingest/events/validate-event.ts';
import { fuzz } from './fuzz-settings.ts';
import {
  deepArrayJson,
  deepObjectJson,
  deepValue,
  mutatedObject,
  nastyJson,
  nastyString,
  PROTOTYPE_KEYS,
} from './hostile-values.ts';

/** The server's clock as it stands when the item is validated, with the default skew. */
const bounds = () => ({ now: Date.now(), maxSkewMs: DEFAULT_MAX_CLOCK_SKEW_MS });

const ITEM_ERRORS = ['invalid_event', 'unknown_type', 'invalid_time'];

const recent = () => new Date(Date.now() - 60_000).toISOString();

const validEvents = () => [
  {
    id: 'ev-1',
    type: 'order.status',
    occurred_at: recent(),
    order_id: 'O-1',
    store_id: 'S-1',
    status: 'paid',
    amount_fen: 100,
  },
  {
    id: 'pay-1',
    type: 'payment.notify',
    occurred_at: recent(),
    order_id: 'O-1',
    store_id: 'S-1',
    provider: 'wechatpay',
    transaction_id: 'T-1',
    amount_fen: 100,
    status: 'success',
  },
  {
    id: 'ship-1',
    type: 'shipment.update',
    occurred_at: recent(),
    order_id: 'O-1',
    store_id: 'S-1',
    carrier: 'sf',
    tracking_no: 'SF1',
    state: 'in_transit',
  },
];

const hostileItem = () =>
  fc.oneof(
    nastyJson(),
    fc.constantFrom(...validEvents()).chain((event) => mutatedObject(event)),
    fc.anything({ maxDepth: 3 }),
  );

function expectItemResult(item: unknown) {
  const result = validateEvent(item, 'fuzz', bounds());
  if (!result.ok) {
    expect(ITEM_ERRORS).toContain(result.error);
    expect(typeof result.message).toBe('string');
  }
  return result;
}

describe('events body parsing', () => {
  it('any text, as JSON or NDJSON, parses to items or a message — never an exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 400, unit: 'binary' }),
          fc.json({ maxDepth: 4 }),
          fc
            .array(fc.oneof(fc.json({ maxDepth: 3 }), nastyString()), { maxLength: 8 })
            .map((l) => l.join('\n')),
        ),
        fc.boolean(),
        (raw, ndjson) => {
          const parsed = parseEventsBody(raw, ndjson);
          if (parsed.ok) expect(Array.isArray(parsed.items)).toBe(true);
          else expect(typeof parsed.message).toBe('string');
        },
      ),
      fuzz(100),
    );
  });

  it('every item is an event or a documented item error, never an exception', () => {
    const base = validEvents()[0]!;
    const examples: [unknown][] = [
      ...PROTOTYPE_KEYS.map((type): [unknown] => [{ ...base, type }]),
      [{ ...base, occurred_at: '9999-01-01T00:00:00Z' }],
      [{ ...base, store_id: 'S\u0000' }],
      [{ ...base, extra: deepValue(10_000) }],
    ];
    fc.assert(
      fc.property(hostileItem(), (item) => void expectItemResult(item)),
      { ...fuzz(600), examples },
    );
  });

  it('a valid event among hostile items is found at its index, in a JSON array and in NDJSON', () => {
    fc.assert(
      fc.property(
        fc.array(hostileItem(), { maxLength: 8 }),
        fc.array(fc.string({ maxLength: 30, unit: 'binary' }), { maxLength: 3 }),
        fc.nat(),
        fc.constantFrom(...validEvents()),
        (hostile, brokenLines, at, valid) => {
          const items = [...hostile];
          const position = at % (items.length + 1);
          items.splice(position, 0, valid);

          const asArray = parseEventsBody(JSON.stringify(items), false);
          expect(asArray.ok).toBe(true);
          if (asArray.ok) {
            const result = expectItemResult(asArray.items[position]);
            expect(result.ok).toBe(true);
            for (const item of asArray.items) expectItemResult(item);
          }

          // NDJSON: lines that are not JSON at all sit between the items, each its own item error.
          const lines = items.map((item) => JSON.stringify(item) ?? 'undefined');
          for (const broken of brokenLines) lines.splice(0, 0, broken.replaceAll('\n', ' '));
          const asNdjson = parseEventsBody(lines.join('\n'), true);
          expect(asNdjson.ok).toBe(true);
          if (asNdjson.ok) {
            const found = asNdjson.items
              .filter((item) => !(item instanceof UnparsableLine))
              .map((item) => validateEvent(item, 'fuzz', bounds()))
              .filter((r) => r.ok && r.event.id === valid.id && r.event.type === valid.type);
            expect(found.length).toBeGreaterThanOrEqual(1);
          }
        },
      ),
      fuzz(150),
    );
  });
});

describe('known attack items are item errors', () => {
  const base = validEvents()[0]!;

  it.each([
    ['an occurred_at far in the future', '9999-01-01T00:00:00Z'],
    ['an occurred_at more than the allowed skew ahead', new Date(Date.now() + 3_600_000).toISOString()],
    ['an occurred_at before 2000-01-01', '1999-12-31T23:59:59Z'],
    ['February 30th', '2026-02-30T10:00:00+08:00'],
    ['hour 24', '2026-06-01T24:00:00+08:00'],
    ['minute 60', '2026-06-01T10:60:00+08:00'],
    ['month 13', '2026-13-01T10:00:00+08:00'],
  ])('%s is invalid_time', (_what, occurredAt) => {
    const result = validateEvent({ ...base, occurred_at: occurredAt }, 'fuzz', bounds());
    expect(result).toMatchObject({ ok: false, error: 'invalid_time' });
  });

  it.each(['id', 'order_id', 'store_id', 'status'])('U+0000 in %s is invalid_event', (field) => {
    const result = validateEvent(
      { ...base, [field]: `${String(base[field as keyof typeof base])}\u0000` },
      'fuzz',
      bounds(),
    );
    expect(result).toMatchObject({ ok: false, error: 'invalid_event' });
  });

  it.each(['region', 'channel'])('U+0000 in the optional string %s is invalid_event', (field) => {
    const result = validateEvent({ ...base, [field]: 'x\u0000y' }, 'fuzz', bounds());
    expect(result).toMatchObject({ ok: false, error: 'invalid_event' });
  });

  it('U+0000 in a shipment location is invalid_event', () => {
    const result = validateEvent({ ...validEvents()[2], location: '杭州\u0000' }, 'fuzz', bounds());
    expect(result).toMatchObject({ ok: false, error: 'invalid_event' });
  });

  it.each(PROTOTYPE_KEYS)('"type": %j is unknown_type', (type) => {
    const result = validateEvent({ ...base, type }, 'fuzz', bounds());
    expect(result).toMatchObject({ ok: false, error: 'unknown_type' });
  });

  it('an own "__proto__" key does not change what the event is', () => {
    const item = JSON.parse(
      `{"__proto__":{"type":"order.status","status":"paid"},"id":"p","occurred_at":"${recent()}","order_id":"O","store_id":"S"}`,
    );
    expect(validateEvent(item, 'fuzz', bounds())).toMatchObject({ ok: false, error: 'unknown_type' });
  });

  it.each([33, 100, 10_000])('a field nested %i levels deep is invalid_event', (depth) => {
    const result = validateEvent({ ...base, extra: deepValue(depth) }, 'fuzz', bounds());
    expect(result).toMatchObject({ ok: false, error: 'invalid_event' });
  });

  it('32 levels of nesting are still accepted', () => {
    // The event object is level 1; its field adds 31 more.
    expect(validateEvent({ ...base, extra: deepValue(30) }, 'fuzz', bounds())).toMatchObject({ ok: true });
  });

  it('a body 10,000 arrays or objects deep is parsed or refused, never thrown', () => {
    for (const raw of [deepArrayJson(10_000), deepObjectJson(10_000)]) {
      for (const ndjson of [false, true]) {
        const parsed = parseEventsBody(raw, ndjson);
        if (parsed.ok) for (const item of parsed.items) expectItemResult(item);
      }
    }
  });

  it('markdown and mentions in ids are just text: the event is accepted verbatim', () => {
    const storeId = '*S1* _x_ [pay](http://evil.example) `rm` @all <at user_id="all">';
    const result = validateEvent({ ...base, store_id: storeId }, 'fuzz', bounds());
    expect(result).toMatchObject({ ok: true, event: { storeId } });
  });
});
