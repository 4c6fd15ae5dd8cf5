// The ingest body and its items without the HTTP server: one object, an array or NDJSON; each item's
// own text for its dead letter; and each wire item turned into a domain event or refused with the
// error code and the field that is wrong.
import { describe, expect, it } from 'vitest';
import { arrayElementTexts, parseEventsBody, UnparsableLine } from '../../../src/ingest/events/parse-body.ts';
import { validateEvent } from '../../../src/ingest/events/validate-event.ts';

const NOW = Date.parse('2026-11-11T10:00:00Z');
const bounds = { now: NOW, maxSkewMs: 300_000 };

function parsed(raw: string, ndjson: boolean) {
  const body = parseEventsBody(raw, ndjson);
  if (!body.ok) throw new Error(body.message);
  return body;
}

describe('parseEventsBody, JSON', () => {
  it('takes one object as one item whose text is the trimmed body', () => {
    const body = parsed(' {"id":"a"}\n', false);
    expect(body.items).toEqual([{ id: 'a' }]);
    expect(body.textOf(0)).toBe('{"id":"a"}');
  });

  it('takes an array, each item with its own text as written', () => {
    const body = parsed('[ {"id":"a", "n":[1,{"x":"]}"}]} ,\n{"id":"b"} ]', false);
    expect(body.items).toEqual([{ id: 'a', n: [1, { x: ']}' }] }, { id: 'b' }]);
    expect(body.textOf(0)).toBe('{"id":"a", "n":[1,{"x":"]}"}]}');
    expect(body.textOf(1)).toBe('{"id":"b"}');
    expect(body.textOf(2)).toBe('');
  });

  it('refuses what is not JSON, and JSON that is neither an object nor an array', () => {
    expect(parseEventsBody('{"id":', false)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^the body is not JSON: /),
    });
    for (const raw of ['"text"', '42', 'null']) {
      expect(parseEventsBody(raw, false)).toEqual({
        ok: false,
        message: 'the body must be an event object or an array of events',
      });
    }
  });
});

describe('parseEventsBody, NDJSON', () => {
  it('takes one value a line, skips blank lines and keeps each line as its text', () => {
    const body = parsed('{"id":"a"}\n\n  {"id":"b"}  \r\n', true);
    expect(body.items).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(body.textOf(0)).toBe('{"id":"a"}');
    expect(body.textOf(1)).toBe('{"id":"b"}');
    expect(body.textOf(2)).toBe('');
  });

  it('keeps a broken line as its own item with its line number and text', () => {
    const body = parsed('{"id":"a"}\n\n{"id":\n', true);
    expect(body.items).toHaveLength(2);
    const broken = body.items[1];
    expect(broken).toBeInstanceOf(UnparsableLine);
    expect(broken).toMatchObject({ line: 3, text: '{"id":' });
    expect((broken as UnparsableLine).reason).not.toBe('');
    expect(body.textOf(1)).toBe('{"id":');
  });

  it('refuses a body with no line or with no line that parses', () => {
    expect(parseEventsBody('\n  \n', true)).toEqual({
      ok: false,
      message: 'the NDJSON body holds no events',
    });
    expect(parseEventsBody('nope\n{', true)).toEqual({
      ok: false,
      message: 'the body is not NDJSON: no line parses as JSON',
    });
  });
});

describe('arrayElementTexts', () => {
  it('splits at top-level commas only, through strings with escaped quotes and brackets', () => {
    expect(arrayElementTexts('[1, "a,\\"]", [2,3], {"k":"}"}]')).toEqual([
      '1',
      '"a,\\"]"',
      '[2,3]',
      '{"k":"}"}',
    ]);
  });

  it('gives no element for an empty array and one for a single element', () => {
    expect(arrayElementTexts('[]')).toEqual([]);
    expect(arrayElementTexts(' [ ] ')).toEqual([]);
    expect(arrayElementTexts('[7]')).toEqual(['7']);
  });

  it('starts after the first bracket whatever comes before it', () => {
    expect(arrayElementTexts('  \n[ "x" , "y" ]')).toEqual(['"x"', '"y"']);
  });
});

const order = {
  type: 'order.status',
  id: 'e1',
  occurred_at: '2026-11-11T17:59:00+08:00',
  order_id: 'O1',
  store_id: 'S1',
  status: 'paid',
};

describe('validateEvent', () => {
  it('turns an order.status item into a domain event with its optional fields', () => {
    // Strict: an optional field the wire leaves out is absent from the event, not present as undefined.
    expect(validateEvent(order, 'pos', bounds)).toStrictEqual({
      ok: true,
      event: {
        id: 'e1',
        source: 'pos',
        occurredAt: NOW - 60_000,
        orderId: 'O1',
        storeId: 'S1',
        type: 'order.status',
        status: 'paid',
      },
    });
    const full = {
      ...order,
      status: 'shipped',
      amount_fen: 0,
      region: '浙江',
      channel: 'app',
      carrier: 'SF',
      tracking_no: 'SF1',
    };
    expect(validateEvent(full, 'pos', bounds)).toMatchObject({
      ok: true,
      event: {
        status: 'shipped',
        amountFen: 0,
        region: '浙江',
        channel: 'app',
        carrier: 'SF',
        trackingNo: 'SF1',
      },
    });
  });

  it('turns a payment.notify item into a domain event', () => {
    const item = {
      type: 'payment.notify',
      id: 'p1',
      occurred_at: '2026-11-11T10:00:00Z',
      order_id: 'O1',
      store_id: 'S1',
      provider: 'alipay',
      transaction_id: 'T1',
      amount_fen: 1999,
      status: 'refund',
    };
    expect(validateEvent(item, 'shop', bounds)).toEqual({
      ok: true,
      event: {
        id: 'p1',
        source: 'shop',
        occurredAt: NOW,
        orderId: 'O1',
        storeId: 'S1',
        type: 'payment.notify',
        provider: 'alipay',
        transactionId: 'T1',
        amountFen: 1999,
        status: 'refund',
      },
    });
  });

  it('turns a shipment.update item into a domain event with location and destination', () => {
    const item = {
      type: 'shipment.update',
      id: 's1',
      occurred_at: '2026-11-11T10:00:00Z',
      order_id: 'O1',
      store_id: 'S1',
      carrier: 'SF',
      tracking_no: 'SF1',
      state: 'in_transit',
    };
    expect(validateEvent(item, 'wms', bounds)).toStrictEqual({
      ok: true,
      event: {
        id: 's1',
        source: 'wms',
        occurredAt: NOW,
        orderId: 'O1',
        storeId: 'S1',
        type: 'shipment.update',
        carrier: 'SF',
        trackingNo: 'SF1',
        state: 'in_transit',
      },
    });
    expect(
      validateEvent({ ...item, location: '杭州', destination_region: '广东' }, 'wms', bounds),
    ).toMatchObject({ ok: true, event: { location: '杭州', destinationRegion: '广东' } });
  });

  it('clamps a time slightly ahead to now', () => {
    expect(validateEvent({ ...order, occurred_at: '2026-11-11T10:04:00Z' }, 'pos', bounds)).toMatchObject({
      ok: true,
      event: { occurredAt: NOW },
    });
  });

  it('refuses an item that is not an object', () => {
    for (const item of [null, 'x', 3, [order]]) {
      expect(validateEvent(item, 'pos', bounds)).toEqual({
        ok: false,
        error: 'invalid_event',
        message: 'an event must be a JSON object',
      });
    }
  });

  it('refuses U+0000 before looking at the type', () => {
    expect(validateEvent({ type: 'nope', id: 'a\u0000' }, 'pos', bounds)).toEqual({
      ok: false,
      error: 'invalid_event',
      message: 'id: contains U+0000',
    });
  });

  it('refuses an unknown, missing or inherited type, listing the known ones', () => {
    const known = 'type must be one of order.status, payment.notify, shipment.update, got';
    expect(validateEvent({ ...order, type: 'order.paid' }, 'pos', bounds)).toEqual({
      ok: false,
      error: 'unknown_type',
      message: `${known} "order.paid"`,
    });
    const { type: _, ...untyped } = order;
    expect(validateEvent(untyped, 'pos', bounds)).toEqual({
      ok: false,
      error: 'unknown_type',
      message: `${known} null`,
    });
    expect(validateEvent({ ...order, type: 'constructor' }, 'pos', bounds)).toMatchObject({
      error: 'unknown_type',
    });
    expect(validateEvent({ ...order, type: 7 }, 'pos', bounds)).toMatchObject({
      error: 'unknown_type',
      message: `${known} 7`,
    });
  });

  it('names the wrong field', () => {
    expect(validateEvent({ ...order, status: 'lost' }, 'pos', bounds)).toMatchObject({
      ok: false,
      error: 'invalid_event',
      message: expect.stringMatching(/^status: /),
    });
    expect(validateEvent({ ...order, order_id: '' }, 'pos', bounds)).toMatchObject({
      error: 'invalid_event',
      message: expect.stringMatching(/^order_id: /),
    });
    const { id: _, ...withoutId } = order;
    expect(validateEvent(withoutId, 'pos', bounds)).toMatchObject({
      error: 'invalid_event',
      message: 'id: Expected required property',
    });
  });

  it('refuses a time that is not an instant, quoting it', () => {
    expect(validateEvent({ ...order, occurred_at: '2026-02-30T10:00:00Z' }, 'pos', bounds)).toEqual({
      ok: false,
      error: 'invalid_time',
      message:
        'occurred_at must be a real instant as an RFC 3339 date-time with an offset (e.g. 2026-11-11T10:00:00+08:00), got "2026-02-30T10:00:00Z"',
    });
  });

  it('refuses a time out of bounds, quoting it and saying why', () => {
    expect(validateEvent({ ...order, occurred_at: '1999-12-31T23:59:59Z' }, 'pos', bounds)).toEqual({
      ok: false,
      error: 'invalid_time',
      message: 'occurred_at "1999-12-31T23:59:59Z" lies before 2000-01-01',
    });
  });
});
