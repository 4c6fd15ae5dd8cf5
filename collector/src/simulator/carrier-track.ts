// A waybill's checkpoints as Kuaidi100 reports them: collected in the store's city, through a hub
// or two, out for delivery and signed for in the customer's city — or sent back, twice.
import type { CarrierCheckpoint } from './actions.ts';
import { PROVINCES } from './chain.ts';
import type { Prng } from './prng.ts';

const HOUR = 3_600_000;

export interface Carrier {
  /** Kuaidi100 company code. */
  code: string;
  share: number;
  trackingNo(rng: Prng): string;
}

export const CARRIERS: readonly Carrier[] = [
  { code: 'zhongtong', share: 0.26, trackingNo: (rng) => `75${rng.digits(12)}` },
  { code: 'yuantong', share: 0.2, trackingNo: (rng) => `YT${rng.digits(13)}` },
  { code: 'yunda', share: 0.2, trackingNo: (rng) => `43${rng.digits(11)}` },
  { code: 'shunfeng', share: 0.2, trackingNo: (rng) => `SF${rng.digits(13)}` },
  { code: 'jd', share: 0.14, trackingNo: (rng) => `JDX${rng.digits(12)}` },
];

export function pickCarrier(rng: Prng): Carrier {
  return rng.weighted(CARRIERS, (c) => c.share);
}

const checkpoint = (at: number, code: string, name: string, city: string, context: string) =>
  ({ at: Math.floor(at), code, name, city, context: `【${city}】${context}` }) satisfies CarrierCheckpoint;

function hubCity(rng: Prng, province: string): string {
  return rng.pick(PROVINCES.find((p) => p.name === province)?.cities ?? ['武汉市']);
}

export interface TrackInput {
  shippedAt: number;
  originCity: string;
  originProvince: string;
  destinationCity: string;
  destinationProvince: string;
}

/** Collected → in transit → out for delivery → delivered. */
export function deliveredTrack(rng: Prng, input: TrackInput): CarrierCheckpoint[] {
  const out: CarrierCheckpoint[] = [];
  let t = input.shippedAt + rng.between(0.5, 3) * HOUR;
  out.push(checkpoint(t, '1', '揽收', input.originCity, '快件已被揽收'));
  const hops = input.originProvince === input.destinationProvince ? 1 : rng.int(2, 3);
  for (let i = 0; i < hops; i++) {
    t += rng.between(3, 9) * HOUR;
    const city =
      i === hops - 1 ? hubCity(rng, input.destinationProvince) : hubCity(rng, input.originProvince);
    out.push(checkpoint(t, '0', '在途', city, `快件已到达【${city}转运中心】`));
  }
  t += rng.between(2, 8) * HOUR;
  out.push(checkpoint(t, '5', '派件', input.destinationCity, '快递员正在派件'));
  t += rng.between(0.5, 4) * HOUR;
  out.push(checkpoint(t, '3', '签收', input.destinationCity, '已签收，签收人：本人'));
  return out;
}

/** The customer is not reached twice and the parcel goes back both times. */
export function returnedTwiceTrack(rng: Prng, input: TrackInput): CarrierCheckpoint[] {
  const out: CarrierCheckpoint[] = [];
  let t = input.shippedAt + rng.between(0.5, 2) * HOUR;
  out.push(checkpoint(t, '1', '揽收', input.originCity, '快件已被揽收'));
  for (let round = 0; round < 2; round++) {
    t += rng.between(2, 6) * HOUR;
    const hub = hubCity(rng, input.destinationProvince);
    out.push(checkpoint(t, '0', '在途', hub, `快件已到达【${hub}转运中心】`));
    t += rng.between(1, 4) * HOUR;
    out.push(checkpoint(t, '5', '派件', input.destinationCity, '快递员正在派件'));
    t += rng.between(1, 3) * HOUR;
    out.push(checkpoint(t, '6', '退回', input.destinationCity, '收件人拒收，快件已退回'));
  }
  return out;
}
