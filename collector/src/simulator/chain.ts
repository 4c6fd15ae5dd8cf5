// The retail chain the simulator plays: stores spread over provinces (weighted like a real chain,
// heavy in the coastal east and south), each with its tills, a mini-program and a size.
import { Prng } from './prng.ts';

export interface Province {
  name: string;
  cities: readonly string[];
  /** Relative number of stores. */
  weight: number;
}

/** Names exactly as in GB/T 2260, so the collector's region lookup resolves them. */
export const PROVINCES: readonly Province[] = [
  { name: '广东省', cities: ['广州市', '深圳市', '东莞市', '佛山市'], weight: 14 },
  { name: '浙江省', cities: ['杭州市', '宁波市', '温州市'], weight: 11 },
  { name: '江苏省', cities: ['南京市', '苏州市', '无锡市'], weight: 11 },
  { name: '上海市', cities: ['上海市'], weight: 9 },
  { name: '北京市', cities: ['北京市'], weight: 8 },
  { name: '山东省', cities: ['济南市', '青岛市'], weight: 7 },
  { name: '四川省', cities: ['成都市', '绵阳市'], weight: 6 },
  { name: '湖北省', cities: ['武汉市', '宜昌市'], weight: 5 },
  { name: '福建省', cities: ['福州市', '厦门市'], weight: 5 },
  { name: '河南省', cities: ['郑州市', '洛阳市'], weight: 4 },
  { name: '湖南省', cities: ['长沙市'], weight: 4 },
  { name: '陕西省', cities: ['西安市'], weight: 3 },
  { name: '重庆市', cities: ['重庆市'], weight: 3 },
  { name: '天津市', cities: ['天津市'], weight: 3 },
];

export interface Store {
  id: string;
  province: string;
  city: string;
  /** POS tills (WeChat 设备号 / Alipay 终端号). */
  tills: readonly string[];
  /** Relative order volume: a flagship sells several times what a small store does. */
  weight: number;
}

export interface Chain {
  stores: readonly Store[];
  /** Cumulative weights for picking a store in proportion to its volume. */
  cumulative: readonly number[];
}

export function storeId(index: number): string {
  return `ST${String(index + 1).padStart(4, '0')}`;
}

export function buildChain(seed: number, storeCount: number, tillsPerStore = 3): Chain {
  const rng = Prng.derive(seed, 'chain');
  const stores: Store[] = [];
  for (let i = 0; i < storeCount; i++) {
    const province = rng.weighted(PROVINCES, (p) => p.weight);
    const id = storeId(i);
    stores.push({
      id,
      province: province.name,
      city: rng.pick(province.cities),
      tills: Array.from({ length: tillsPerStore }, (_, t) => `${id}-POS${t + 1}`),
      weight: Math.min(4, Math.max(0.25, rng.logNormal(1, 0.45))),
    });
  }
  // Normalised so the mean store weight is 1 and "orders per store per day" stays the mean.
  const mean = stores.reduce((sum, s) => sum + s.weight, 0) / Math.max(1, stores.length);
  let running = 0;
  const cumulative = stores.map((s) => {
    s.weight /= mean;
    running += s.weight;
    return running;
  });
  return { stores, cumulative };
}

/** A store drawn in proportion to its volume. */
export function pickStore(chain: Chain, rng: Prng): Store {
  const total = chain.cumulative[chain.cumulative.length - 1] ?? 0;
  const target = rng.next() * total;
  let lo = 0;
  let hi = chain.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (chain.cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return chain.stores[lo]!;
}
