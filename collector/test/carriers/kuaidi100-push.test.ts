import { describe, expect, it } from 'vitest';
import { SHIPMENT_STATES } from '../../src/domain/events.ts';
import {
  checkpointOf,
  currentState,
  emptyTracking,
  mergeCheckpoints,
} from '../../src/domain/shipments/tracking.ts';
import { Kuaidi100Error } from '../../src/ingest/kuaidi100/errors.ts';
import { parseKuaidi100Push } from '../../src/ingest/kuaidi100/push.ts';
import { KUAIDI100_PUSH_ACCEPTED } from '../../src/ingest/kuaidi100/reply.ts';
import {
  kuaidi100PushSign,
  kuaidi100QuerySign,
  verifyKuaidi100PushSign,
} from '../../src/ingest/kuaidi100/sign.ts';
import {
  KUAIDI100_STATES,
  kuaidi100StateByCode,
  kuaidi100StateByName,
} from '../../src/ingest/kuaidi100/states.ts';
import { kuaidi100CheckpointId, parseKuaidi100Time } from '../../src/ingest/kuaidi100/track-result.ts';

// PROVIDERS.md appendix: Kuaidi100 sign known-answer test (synthetic).
const KAT_SALT = 'synthSalt0123456789abcdefghijklm';
const KAT_PARAM =
  '{"status":"polling","billstatus":"got","message":"","autoCheck":"0","comOld":"","comNew":"","lastResult":{"message":"ok","state":"0","status":"200","condition":"F00","ischeck":"0","com":"yuantong","nu":"YT0000000000001","data":[{"context":"【杭州市】快件已发往 北京转运中心","time":"2024-06-02 08:10:00","ftime":"2024-06-02 08:10:00","status":"在途","areaCode":"330100000000","areaName":"浙江,杭州市"}]}}';
const KAT_SIGN = 'ADE916885AFBC770A071DE4504A58652';

function expectError(fn: () => unknown, code: string) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Kuaidi100Error);
    expect((error as Kuaidi100Error).code).toBe(code);
    return error as Kuaidi100Error;
  }
  throw new Error(`expected ${code}`);
}

interface Node {
  ftime: string;
  context: string;
  status?: string;
  statusCode?: string;
  areaName?: string;
}

function pushParam(status: string, state: string, nodes: Node[], ischeck = '0'): string {
  return JSON.stringify({
    status,
    billstatus: 'got',
    message: status === 'abort' ? '3天查询无记录' : '',
    lastResult: {
      message: 'ok',
      state,
      status: '200',
      ischeck,
      com: 'yuantong',
      nu: 'YT9',
      data: nodes.map((n) => ({ time: n.ftime, ...n })),
    },
  });
}

const SALT = 'test-salt';
function push(status: string, state: string, nodes: Node[], ischeck = '0') {
  const param = pushParam(status, state, nodes, ischeck);
  return parseKuaidi100Push({ param, sign: kuaidi100PushSign(param, SALT) }, SALT);
}

describe('push sign', () => {
  it('matches the known-answer vector', () => {
    expect(kuaidi100PushSign(KAT_PARAM, KAT_SALT)).toBe(KAT_SIGN);
    expect(() => verifyKuaidi100PushSign(KAT_PARAM, KAT_SIGN, KAT_SALT)).not.toThrow();
  });

  it('ignores hex case', () => {
    expect(() => verifyKuaidi100PushSign(KAT_PARAM, KAT_SIGN.toLowerCase(), KAT_SALT)).not.toThrow();
  });

  it('refuses a wrong sign, a wrong salt and a re-serialised param', () => {
    expectError(
      () => verifyKuaidi100PushSign(KAT_PARAM, KAT_SIGN.replace('A', 'B'), KAT_SALT),
      'sign_invalid',
    );
    expectError(() => verifyKuaidi100PushSign(KAT_PARAM, KAT_SIGN, 'other'), 'sign_invalid');
    const reserialised = JSON.stringify(JSON.parse(KAT_PARAM), null, 1);
    expectError(() => verifyKuaidi100PushSign(reserialised, KAT_SIGN, KAT_SALT), 'sign_invalid');
    expectError(() => verifyKuaidi100PushSign(KAT_PARAM, 'short', KAT_SALT), 'sign_invalid');
  });

  it('refuses a missing or empty sign', () => {
    const error = expectError(() => parseKuaidi100Push({ param: KAT_PARAM }, KAT_SALT), 'sign_missing');
    expect(error.status).toBe(401);
    expectError(() => parseKuaidi100Push({ param: KAT_PARAM, sign: '' }, KAT_SALT), 'sign_missing');
  });

  it('parses the known-answer push once verified', () => {
    const parsed = parseKuaidi100Push({ param: KAT_PARAM, sign: KAT_SIGN }, KAT_SALT);
    expect(parsed).toMatchObject({ status: 'polling', carrier: 'yuantong', trackingNo: 'YT0000000000001' });
    expect(parsed.updates).toHaveLength(1);
    expect(parsed.updates[0]).toMatchObject({
      type: 'shipment.update',
      source: 'kuaidi100',
      occurredAt: Date.parse('2024-06-02T00:10:00Z'),
      state: 'in_transit',
      providerCode: '0',
      providerText: '【杭州市】快件已发往 北京转运中心',
      location: '浙江,杭州市',
    });
  });

  it('builds the query sign as UPPER(MD5(param + key + customer))', () => {
    expect(kuaidi100QuerySign('{"com":"yuantong"}', 'k', 'c')).toMatch(/^[0-9A-F]{32}$/);
    expect(kuaidi100QuerySign('{"com":"yuantong"}', 'k', 'c')).toBe(
      kuaidi100PushSign('{"com":"yuantong"}', 'kc'),
    );
  });
});

describe('state codes', () => {
  const expected: Record<string, string> = {
    '0': 'in_transit',
    '1001': 'in_transit',
    '1002': 'in_transit',
    '1003': 'in_transit',
    '1': 'collected',
    '101': 'created',
    '102': 'created',
    '103': 'collected',
    '5': 'out_for_delivery',
    '501': 'out_for_delivery',
    '3': 'delivered',
    '301': 'delivered',
    '302': 'delivered',
    '303': 'delivered',
    '304': 'delivered',
    '6': 'returned',
    '4': 'returned',
    '401': 'returned',
    '14': 'rejected',
    '7': 'in_transit',
    '2': 'exception',
    '201': 'exception',
    '202': 'stuck',
    '203': 'rejected',
    '204': 'exception',
    '205': 'exception',
    '206': 'exception',
    '207': 'exception',
    '208': 'stuck',
    '209': 'exception',
    '210': 'exception',
    '8': 'in_transit',
    '10': 'in_transit',
    '11': 'in_transit',
    '12': 'in_transit',
    '13': 'exception',
  };

  it.each(Object.entries(expected))('code %s → %s', (code, state) => {
    expect(kuaidi100StateByCode(code)?.state).toBe(state);
  });

  it('covers exactly the table and only contract states', () => {
    expect(KUAIDI100_STATES.map((s) => s.code).sort()).toEqual(Object.keys(expected).sort());
    for (const s of KUAIDI100_STATES) {
      expect(SHIPMENT_STATES).toContain(s.state);
      expect(kuaidi100StateByName(s.name)).toBe(s);
    }
    expect(kuaidi100StateByCode('99')).toBeUndefined();
  });

  it('maps each checkpoint by its advanced code, else its state name, keeping code and text', () => {
    const parsed = push('polling', '2', [
      { ftime: '2024-06-03 10:00:00', context: '快件滞留', statusCode: '208' },
      { ftime: '2024-06-02 09:00:00', context: '【杭州市】已揽收', status: '揽收' },
      { ftime: '2024-06-02 08:00:00', context: '已下单' },
    ]);
    expect(parsed.updates.map((u) => [u.state, u.providerCode])).toEqual([
      ['in_transit', undefined],
      ['collected', '1'],
      ['stuck', '208'],
    ]);
    expect(parsed.updates[1]?.location).toBe('杭州市');
    expect(parsed.state?.code).toBe('2');
  });

  it('gives the overall state to the newest checkpoint when checkpoints carry none', () => {
    const parsed = push('polling', '14', [
      { ftime: '2024-06-03 10:00:00', context: '客户拒签' },
      { ftime: '2024-06-02 09:00:00', context: '运输中' },
    ]);
    expect(parsed.updates.map((u) => u.state)).toEqual(['in_transit', 'rejected']);
    expect(parsed.updates[1]?.providerCode).toBe('14');
  });
});

describe('full-history pushes', () => {
  const first: Node[] = [
    { ftime: '2024-06-02 09:00:00', context: '【杭州市】快件已发往 北京转运中心', status: '在途' },
    { ftime: '2024-06-02 08:00:00', context: '【杭州市】已揽收', status: '揽收' },
  ];
  const second: Node[] = [
    { ftime: '2024-06-03 07:00:00', context: '【北京市】派件中', status: '派件' },
    { ftime: '2024-06-02 20:00:00', context: '【北京市】到达北京转运中心', status: '在途' },
    ...first,
  ];

  it('gives every checkpoint a deterministic id, the same in every push', () => {
    const a = push('polling', '0', first);
    const b = push('polling', '5', second);
    expect(b.updates.map((u) => u.id)).toEqual(expect.arrayContaining(a.updates.map((u) => u.id)));
    expect(new Set(b.updates.map((u) => u.id)).size).toBe(4);
    for (const u of b.updates) expect(u.id.length).toBeLessThanOrEqual(128);
  });

  it('adds only new checkpoints; repeating a push adds nothing', () => {
    let tracking = emptyTracking('yuantong', 'YT9');
    const step1 = mergeCheckpoints(tracking, push('polling', '0', first).updates.map(checkpointOf));
    expect(step1.added).toHaveLength(2);
    tracking = step1.tracking;
    const step2 = mergeCheckpoints(tracking, push('polling', '5', second).updates.map(checkpointOf));
    expect(step2.added.map((c) => c.providerText)).toEqual([
      '【北京市】到达北京转运中心',
      '【北京市】派件中',
    ]);
    tracking = step2.tracking;
    const again = mergeCheckpoints(tracking, push('updateall', '5', second).updates.map(checkpointOf));
    expect(again.added).toEqual([]);
    expect(currentState(tracking)).toBe('out_for_delivery');
  });

  it('applies an older push after a newer one without moving the state back', () => {
    const newer = mergeCheckpoints(
      emptyTracking('yuantong', 'YT9'),
      push('polling', '5', second).updates.map(checkpointOf),
    );
    const older = mergeCheckpoints(newer.tracking, push('polling', '0', first).updates.map(checkpointOf));
    expect(older.added).toEqual([]);
    expect(currentState(older.tracking)).toBe('out_for_delivery');
  });

  it('tells the same text at another time apart', () => {
    expect(kuaidi100CheckpointId('yuantong', 'YT9', '2024-06-02 08:00:00', 'x')).not.toBe(
      kuaidi100CheckpointId('yuantong', 'YT9', '2024-06-02 08:00:01', 'x'),
    );
    expect(
      kuaidi100CheckpointId('y'.repeat(60), 'n'.repeat(60), '2024-06-02 08:00:00', 'x').length,
    ).toBeLessThanOrEqual(128);
  });
});

describe('push status', () => {
  const nodes: Node[] = [{ ftime: '2024-06-02 08:00:00', context: '已签收', status: '签收' }];

  it('shutdown ends tracking', () => {
    const parsed = push('shutdown', '3', nodes, '1');
    expect(parsed).toMatchObject({ trackingEnded: true, resubscribe: false, signed: true });
  });

  it('abort asks for a resubscription', () => {
    const parsed = push('abort', '0', []);
    expect(parsed).toMatchObject({
      trackingEnded: false,
      resubscribe: true,
      message: '3天查询无记录',
      updates: [],
    });
  });

  it('polling and updateall are ordinary updates', () => {
    expect(push('polling', '3', nodes)).toMatchObject({ trackingEnded: false, resubscribe: false });
    expect(push('updateall', '3', nodes).status).toBe('updateall');
  });

  it('the accepted reply is the documented JSON', () => {
    expect(JSON.stringify(KUAIDI100_PUSH_ACCEPTED)).toBe(
      '{"result":true,"returnCode":"200","message":"成功"}',
    );
  });
});

describe('malformed pushes', () => {
  const signed = (param: string) => ({ param, sign: kuaidi100PushSign(param, SALT) });

  it.each([
    ['no param', {}],
    ['param not JSON', signed('{not json')],
    ['param an array', signed('[]')],
    ['unknown status', signed('{"status":"weird","lastResult":{"com":"a","nu":"1","data":[]}}')],
    ['no lastResult', signed('{"status":"polling"}')],
    ['no nu', signed('{"status":"polling","lastResult":{"com":"a","data":[]}}')],
    ['data not an array', signed('{"status":"polling","lastResult":{"com":"a","nu":"1","data":{}}}')],
    [
      'bad time',
      signed('{"status":"polling","lastResult":{"com":"a","nu":"1","data":[{"ftime":"yesterday"}]}}'),
    ],
  ])('%s → malformed (400)', (_name, form) => {
    expect(expectError(() => parseKuaidi100Push(form, SALT), 'malformed').status).toBe(400);
  });

  it('checks the sign before parsing anything', () => {
    expectError(() => parseKuaidi100Push({ param: '{not json', sign: 'ABC' }, SALT), 'sign_invalid');
  });
});

describe('parseKuaidi100Time', () => {
  it('reads China Standard Time', () => {
    expect(parseKuaidi100Time('2024-06-02 08:10:00')).toBe(Date.parse('2024-06-02T00:10:00Z'));
    expect(parseKuaidi100Time('2024-06-02 08:10')).toBe(Date.parse('2024-06-02T00:10:00Z'));
    expect(parseKuaidi100Time('02/06/2024')).toBeUndefined();
  });
});
