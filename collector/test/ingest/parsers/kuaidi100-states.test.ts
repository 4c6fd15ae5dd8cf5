// Kuaidi100's state table read back row by row: each code with its Chinese name (which `resultv2`
// checkpoints carry instead of the code) and the contract state it maps onto, in the order kept, and
// both lookups' trimming of what a push or a query answer sends.
import { describe, expect, it } from 'vitest';
import {
  KUAIDI100_STATES,
  kuaidi100StateByCode,
  kuaidi100StateByName,
} from '../../../src/ingest/kuaidi100/states.ts';

const ROWS: [code: string, name: string, state: string][] = [
  ['0', '在途', 'in_transit'],
  ['1001', '到达派件城市', 'in_transit'],
  ['1002', '干线', 'in_transit'],
  ['1003', '转递', 'in_transit'],
  ['1', '揽收', 'collected'],
  ['101', '已下单', 'created'],
  ['102', '待揽收', 'created'],
  ['103', '已揽收', 'collected'],
  ['5', '派件', 'out_for_delivery'],
  ['501', '投柜或驿站', 'out_for_delivery'],
  ['3', '签收', 'delivered'],
  ['301', '本人签收', 'delivered'],
  ['302', '派件异常后签收', 'delivered'],
  ['303', '代签', 'delivered'],
  ['304', '投柜或站签收', 'delivered'],
  ['6', '退回', 'returned'],
  ['4', '退签', 'returned'],
  ['401', '已销单', 'returned'],
  ['14', '拒签', 'rejected'],
  ['7', '转投', 'in_transit'],
  ['2', '疑难', 'exception'],
  ['201', '超时未签收', 'exception'],
  ['202', '超时未更新', 'stuck'],
  ['203', '拒收', 'rejected'],
  ['204', '派件异常', 'exception'],
  ['205', '柜或驿站超时未取', 'exception'],
  ['206', '无法联系', 'exception'],
  ['207', '超区', 'exception'],
  ['208', '滞留', 'stuck'],
  ['209', '破损', 'exception'],
  ['210', '销单', 'exception'],
  ['8', '清关', 'in_transit'],
  ['10', '待清关', 'in_transit'],
  ['11', '清关中', 'in_transit'],
  ['12', '已清关', 'in_transit'],
  ['13', '清关异常', 'exception'],
];

describe('the Kuaidi100 state table', () => {
  it('holds each code with its name and contract state, and nothing else', () => {
    expect(KUAIDI100_STATES.map((s) => [s.code, s.name, s.state])).toEqual(ROWS);
    for (const s of KUAIDI100_STATES) expect(Object.keys(s).sort()).toEqual(['code', 'name', 'state']);
  });

  it.each(ROWS)('finds %s by its code and %s by its name, both mapped to %s', (code, name, state) => {
    expect(kuaidi100StateByCode(code)).toEqual({ code, name, state });
    expect(kuaidi100StateByName(name)).toEqual({ code, name, state });
  });

  it('trims what it is given, and knows no other code or name', () => {
    expect(kuaidi100StateByCode(' 208\t')?.name).toBe('滞留');
    expect(kuaidi100StateByName(' 揽收\n')?.code).toBe('1');
    expect(kuaidi100StateByCode('99')).toBeUndefined();
    expect(kuaidi100StateByCode('')).toBeUndefined();
    expect(kuaidi100StateByName('运输中')).toBeUndefined();
    expect(kuaidi100StateByName('')).toBeUndefined();
  });
});
