// Reading a Kuaidi100 tracking result field by field: which time, place and state each checkpoint
// gets, what makes a result unusable, and the replies and errors a refused push produces.
import { describe, expect, it } from 'vitest';
import { Kuaidi100Error } from '../../../src/ingest/kuaidi100/errors.ts';
import { parseKuaidi100Push } from '../../../src/ingest/kuaidi100/push.ts';
import {
  KUAIDI100_PUSH_ACCEPTED,
  KUAIDI100_PUSH_FAILED,
  kuaidi100Refusal,
} from '../../../src/ingest/kuaidi100/reply.ts';
import { kuaidi100PushSign, verifyKuaidi100PushSign } from '../../../src/ingest/kuaidi100/sign.ts';
import {
  kuaidi100CheckpointId,
  parseKuaidi100Time,
  parseKuaidi100TrackResult,
} from '../../../src/ingest/kuaidi100/track-result.ts';

const result = (data: unknown[], extra: Record<string, unknown> = {}) => ({
  com: 'yuantong',
  nu: 'YT1',
  data,
  ...extra,
});
const malformed = (fn: () => unknown, message: string) => {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(Kuaidi100Error);
  expect(caught).toMatchObject({ code: 'malformed', status: 400, name: 'Kuaidi100Error', message });
};

describe('errors and replies', () => {
  it('a missing or wrong sign is a 401, bad input a 400', () => {
    expect(new Kuaidi100Error('sign_missing', 'm')).toMatchObject({
      status: 401,
      code: 'sign_missing',
      message: 'm',
    });
    expect(new Kuaidi100Error('sign_invalid', 'm').status).toBe(401);
    expect(new Kuaidi100Error('malformed', 'm').status).toBe(400);
    const cause = new Error('inner');
    expect(new Kuaidi100Error('malformed', 'm', { cause }).cause).toBe(cause);
  });

  it('answers in the documented bodies; a refusal is a 500 with OrderPulse’s code beside it', () => {
    expect(KUAIDI100_PUSH_ACCEPTED).toEqual({ result: true, returnCode: '200', message: '成功' });
    expect(KUAIDI100_PUSH_FAILED).toEqual({ result: false, returnCode: '500', message: '失败' });
    expect(kuaidi100Refusal('sign_invalid', 'bad sign')).toEqual({
      result: false,
      returnCode: '500',
      message: 'bad sign',
      error: 'sign_invalid',
    });
  });

  it('a sign with surrounding blanks or lower-case hex verifies; a blank one is missing', () => {
    const sign = kuaidi100PushSign('{"a":1}', 'salt');
    expect(() => verifyKuaidi100PushSign('{"a":1}', ` ${sign.toLowerCase()} `, 'salt')).not.toThrow();
    expect(() => verifyKuaidi100PushSign('{"a":1}', '   ', 'salt')).toThrow('the push carries no sign');
    expect(() => verifyKuaidi100PushSign('{"a":1}', `${sign}0`, 'salt')).toThrow(
      'the push sign does not match MD5(param + salt)',
    );
  });
});

describe('push form', () => {
  const salt = 's4lt';
  const param = JSON.stringify({ status: 'polling', lastResult: result([]) });
  const sign = kuaidi100PushSign(param, salt);

  it('takes the first value of a repeated form field', () => {
    expect(parseKuaidi100Push({ param: [param, 'x'], sign: [sign] }, salt).trackingNo).toBe('YT1');
  });

  it('keeps the JSON error as the cause, and names lastResult in a broken result', () => {
    let caught: unknown;
    try {
      parseKuaidi100Push({ param: '{', sign: kuaidi100PushSign('{', salt) }, salt);
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).cause).toBeInstanceOf(SyntaxError);
    const p = JSON.stringify({ status: 'polling' });
    malformed(
      () => parseKuaidi100Push({ param: p, sign: kuaidi100PushSign(p, salt) }, salt),
      'lastResult is not an object',
    );
  });

  it('a message that is not a string is empty', () => {
    const p = JSON.stringify({ status: 'abort', message: 3, lastResult: result([]) });
    const parsed = parseKuaidi100Push({ param: p, sign: kuaidi100PushSign(p, salt) }, salt);
    expect(parsed).toMatchObject({ message: '', resubscribe: true, trackingEnded: false });
  });

  it.each([
    [{ sign }, 'the push has no param field'],
    [{ param: '  ', sign }, 'the push has no param field'],
    [{ param: [3], sign }, 'the push has no param field'],
  ])('refuses a push without param', (form, message) => {
    malformed(() => parseKuaidi100Push(form, salt), message);
  });

  it.each([
    ['not JSON', '{', 'param is not JSON'],
    ['an array', '[1]', 'param is not a JSON object'],
    ['null', 'null', 'param is not a JSON object'],
    ['a number', '7', 'param is not a JSON object'],
    [
      'an unknown status',
      '{"status":"done"}',
      'param.status is not one of polling, shutdown, abort, updateall',
    ],
    [
      'a status that is not a string',
      '{"status":1}',
      'param.status is not one of polling, shutdown, abort, updateall',
    ],
  ])('refuses a param that is %s', (_, p, message) => {
    malformed(() => parseKuaidi100Push({ param: p, sign: kuaidi100PushSign(p, salt) }, salt), message);
  });
});

describe('parseKuaidi100TrackResult', () => {
  it('reads ftime, else time, with or without seconds, in China Standard Time', () => {
    const r = parseKuaidi100TrackResult(
      result([
        { time: '2024-06-02 09:00', context: 'b' },
        { ftime: ' 2024-06-02T08:00:30 ', time: 'ignored', context: 'a' },
      ]),
    );
    expect(r.updates.map((u) => u.occurredAt)).toEqual([
      Date.parse('2024-06-02T08:00:30+08:00'),
      Date.parse('2024-06-02T09:00:00+08:00'),
    ]);
    expect(parseKuaidi100Time('2024-02-30 10:00:00')).toBeUndefined();
    expect(parseKuaidi100Time('2024-06-02 10:00:00x')).toBeUndefined();
    expect(parseKuaidi100Time('x2024-06-02 10:00:00')).toBeUndefined();
  });

  it('takes the place from location, else areaName, else the 【…】 in the text, else none', () => {
    const r = parseKuaidi100TrackResult(
      result([
        { ftime: '2024-06-02 08:00:00', context: '【杭州市】a', location: ' 上海 ', areaName: '浙江' },
        { ftime: '2024-06-02 08:01:00', context: '【杭州市】b', location: ' ', areaName: '浙江,杭州市' },
        { ftime: '2024-06-02 08:02:00', context: '【杭州市】c' },
        { ftime: '2024-06-02 08:03:00', context: 'd', location: '\u0000' },
      ]),
    );
    expect(r.updates.map((u) => u.location)).toEqual(['上海', '浙江,杭州市', '杭州市', undefined]);
    expect(Object.keys(r.updates[3] ?? {})).not.toContain('location');
  });

  it('drops U+0000 from display text but refuses it in identifiers', () => {
    const r = parseKuaidi100TrackResult(result([{ ftime: '2024-06-02 08:00:00', context: 'a\u0000b' }]));
    expect(r.updates[0]?.providerText).toBe('ab');
    malformed(
      () => parseKuaidi100TrackResult(result([], { nu: 'YT\u00001' })),
      'lastResult.nu contains U+0000',
    );
    malformed(
      () => parseKuaidi100TrackResult(result([], { com: 'yt\u0000' }), 'reply'),
      'reply.com contains U+0000',
    );
  });

  it('numbers are read as text; the carrier is lower-cased; blanks are missing', () => {
    const r = parseKuaidi100TrackResult({ com: ' YuanTong ', nu: 12345, state: 3, ischeck: 1, data: [] });
    expect(r).toEqual({
      carrier: 'yuantong',
      trackingNo: '12345',
      signed: true,
      updates: [],
      state: { code: '3', name: '签收', state: 'delivered' },
    });
    malformed(() => parseKuaidi100TrackResult({ com: ' ', nu: '1' }), 'lastResult.com is missing');
    malformed(() => parseKuaidi100TrackResult({ com: 'yt', nu: true }), 'lastResult.nu is missing');
  });

  it('an unknown overall state is none; ischeck other than 1 is not signed', () => {
    const r = parseKuaidi100TrackResult(result([], { state: '99', ischeck: '0' }));
    expect(r.signed).toBe(false);
    expect(Object.keys(r)).not.toContain('state');
    expect(parseKuaidi100TrackResult(result([], { ischeck: 'yes' })).signed).toBe(false);
  });

  it('a checkpoint without any state is in transit, with no provider code', () => {
    const r = parseKuaidi100TrackResult(
      result(
        [
          { ftime: '2024-06-02 08:00:00', context: 'old' },
          { ftime: '2024-06-02 09:00:00', context: 'new', statusCode: '999', status: '未知' },
        ],
        { state: '3' },
      ),
    );
    expect(r.updates.map((u) => [u.providerText, u.state, u.providerCode])).toEqual([
      ['old', 'in_transit', undefined],
      ['new', 'delivered', '3'],
    ]);
    expect(Object.keys(r.updates[0] ?? {})).not.toContain('providerCode');
  });

  it('a blank ftime falls back to time; the time in an error is trimmed', () => {
    const r = parseKuaidi100TrackResult(result([{ ftime: '  ', time: '2024-06-02 08:00:00', context: 'x' }]));
    expect(r.updates[0]?.occurredAt).toBe(Date.parse('2024-06-02T08:00:00+08:00'));
    malformed(
      () => parseKuaidi100TrackResult(result([{ time: ' 2024-13-02 08:00:00 ', context: 'x' }])),
      'lastResult.data[0].ftime is not a time: "2024-13-02 08:00:00"',
    );
    expect(parseKuaidi100Time(' 2024-06-02 10:00:00 ')).toBe(Date.parse('2024-06-02T10:00:00+08:00'));
  });

  it('an area name is trimmed; a checkpoint without text has empty text', () => {
    const r = parseKuaidi100TrackResult(
      result([{ ftime: '2024-06-02 08:00:00', areaName: ' 浙江,杭州市 ' }]),
    );
    expect(r.updates[0]?.location).toBe('浙江,杭州市');
    expect(r.updates[0]?.providerText).toBe('');
  });

  it('only the newest of several checkpoints takes the overall state', () => {
    const r = parseKuaidi100TrackResult(
      result(
        [
          { ftime: '2024-06-02 10:00:00', context: 'c' },
          { ftime: '2024-06-02 08:00:00', context: 'a' },
          { ftime: '2024-06-02 09:00:00', context: 'b' },
        ],
        { state: '14' },
      ),
    );
    expect(r.updates.map((u) => [u.providerText, u.state])).toEqual([
      ['a', 'in_transit'],
      ['b', 'in_transit'],
      ['c', 'rejected'],
    ]);
  });

  it('every update names its source, carrier and number', () => {
    const [u] = parseKuaidi100TrackResult(result([{ ftime: '2024-06-02 08:00:00', context: 'x' }])).updates;
    expect(u).toMatchObject({
      type: 'shipment.update',
      source: 'kuaidi100',
      carrier: 'yuantong',
      trackingNo: 'YT1',
    });
    expect(u?.id).toBe(kuaidi100CheckpointId('yuantong', 'YT1', '2024-06-02 08:00:00', 'x'));
  });

  it.each([
    ['not an object', [], 'lastResult is not an object'],
    ['null', null, 'lastResult is not an object'],
    ['data not an array', { com: 'yt', nu: '1', data: {} }, 'lastResult.data is not an array'],
    [
      'a checkpoint not an object',
      { com: 'yt', nu: '1', data: [null] },
      'lastResult.data[0] is not an object',
    ],
    [
      'a checkpoint without a time',
      { com: 'yt', nu: '1', data: [{ ftime: '2024-06-02 08:00:00' }, { context: 'x' }] },
      'lastResult.data[1].ftime is not a time: ""',
    ],
  ])('refuses a result that is %s', (_, value, message) => {
    malformed(() => parseKuaidi100TrackResult(value), message);
  });

  it('no data is no checkpoints', () => {
    expect(parseKuaidi100TrackResult({ com: 'yt', nu: '1' }).updates).toEqual([]);
  });
});

describe('kuaidi100CheckpointId', () => {
  it('is carrier, number, the time’s digits and a hash of the text', () => {
    expect(kuaidi100CheckpointId('yt', 'N1', '2024-06-02 08:00:00', 'x')).toMatch(
      /^yt:N1:20240602080000:[0-9a-f]{16}$/,
    );
  });

  it('falls back to a hash of everything past 128 characters, and only then', () => {
    const fits = kuaidi100CheckpointId(
      'yt',
      'N'.repeat(128 - 'yt::20240602080000:'.length - 16),
      '2024-06-02 08:00:00',
      'x',
    );
    expect(fits).toHaveLength(128);
    expect(fits.startsWith('yt:N')).toBe(true);
    const long = kuaidi100CheckpointId(
      'yt',
      'N'.repeat(129 - 'yt::20240602080000:'.length - 16),
      '2024-06-02 08:00:00',
      'x',
    );
    expect(long).toMatch(/^kuaidi100:[0-9a-f]{16}$/);
    const other = kuaidi100CheckpointId(
      'yt',
      'N'.repeat(129 - 'yt::20240602080000:'.length - 16),
      '2024-06-02 08:00:00',
      'y',
    );
    expect(other).not.toBe(long);
  });
});
