// Kuaidi100 state codes (PROVIDERS.md 4.3: main states 0–8 and 14, advanced states 101…1003,
// 201…210, 301…304, 401, 501, customs 10–13) onto the contract's shipment states. The provider's
// own code is always kept beside the mapped state, so nothing is lost where the mapping is coarse
// (e.g. 6 退回 "on its way back" and 4 退签 "returned" are both `returned`).
import type { ShipmentState } from '../../domain/events.ts';

export interface Kuaidi100State {
  code: string;
  name: string;
  state: ShipmentState;
}

export const KUAIDI100_STATES: readonly Kuaidi100State[] = [
  { code: '0', name: '在途', state: 'in_transit' },
  { code: '1001', name: '到达派件城市', state: 'in_transit' },
  { code: '1002', name: '干线', state: 'in_transit' },
  { code: '1003', name: '转递', state: 'in_transit' },
  { code: '1', name: '揽收', state: 'collected' },
  { code: '101', name: '已下单', state: 'created' },
  { code: '102', name: '待揽收', state: 'created' },
  { code: '103', name: '已揽收', state: 'collected' },
  { code: '5', name: '派件', state: 'out_for_delivery' },
  // In a locker or parcel station, waiting for the customer: delivery is not finished yet.
  { code: '501', name: '投柜或驿站', state: 'out_for_delivery' },
  { code: '3', name: '签收', state: 'delivered' },
  { code: '301', name: '本人签收', state: 'delivered' },
  { code: '302', name: '派件异常后签收', state: 'delivered' },
  { code: '303', name: '代签', state: 'delivered' },
  { code: '304', name: '投柜或站签收', state: 'delivered' },
  { code: '6', name: '退回', state: 'returned' },
  { code: '4', name: '退签', state: 'returned' },
  { code: '401', name: '已销单', state: 'returned' },
  { code: '14', name: '拒签', state: 'rejected' },
  // Handed to another carrier: still travelling.
  { code: '7', name: '转投', state: 'in_transit' },
  { code: '2', name: '疑难', state: 'exception' },
  { code: '201', name: '超时未签收', state: 'exception' },
  { code: '202', name: '超时未更新', state: 'stuck' },
  { code: '203', name: '拒收', state: 'rejected' },
  { code: '204', name: '派件异常', state: 'exception' },
  { code: '205', name: '柜或驿站超时未取', state: 'exception' },
  { code: '206', name: '无法联系', state: 'exception' },
  { code: '207', name: '超区', state: 'exception' },
  { code: '208', name: '滞留', state: 'stuck' },
  { code: '209', name: '破损', state: 'exception' },
  { code: '210', name: '销单', state: 'exception' },
  { code: '8', name: '清关', state: 'in_transit' },
  { code: '10', name: '待清关', state: 'in_transit' },
  { code: '11', name: '清关中', state: 'in_transit' },
  { code: '12', name: '已清关', state: 'in_transit' },
  { code: '13', name: '清关异常', state: 'exception' },
];

const BY_CODE = new Map(KUAIDI100_STATES.map((s) => [s.code, s]));
const BY_NAME = new Map(KUAIDI100_STATES.map((s) => [s.name, s]));

export function kuaidi100StateByCode(code: string): Kuaidi100State | undefined {
  return BY_CODE.get(code.trim());
}

/** With `resultv2` set, checkpoints carry the state's Chinese name instead of (or beside) its code. */
export function kuaidi100StateByName(name: string): Kuaidi100State | undefined {
  return BY_NAME.get(name.trim());
}
