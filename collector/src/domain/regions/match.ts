// Finding where a carrier checkpoint happened, and whether that place lies inside an order's
// destination region. Carrier texts name places loosely ("【杭州市】浙江杭州转运中心 已发出",
// "浙江,杭州市", "330100000000"), destinations come as a name or a GB/T 2260 code.
import { type City, type NamedDivision, type Province, REGION_TABLE } from './table.ts';

export interface Region {
  provinceCode: string;
  provinceName: string;
  cityCode?: string;
  cityName?: string;
}

function regionFrom(province: Province, city?: City): Region {
  // A municipality (北京, 上海, …) has one prefecture-level division: naming the province names it.
  const only = city ?? (province.cities.length === 1 ? province.cities[0] : undefined);
  return only
    ? { provinceCode: province.code, provinceName: province.name, cityCode: only.code, cityName: only.name }
    : { provinceCode: province.code, provinceName: province.name };
}

/** GB/T 2260 code (2, 4, 6 or 12 digits; a county code resolves to its prefecture) → region. */
export function regionOfCode(code: string): Region | undefined {
  if (!/^(\d{2}|\d{4}|\d{6}|\d{12})$/.test(code)) return undefined;
  const six = code.slice(0, 6).padEnd(6, '0');
  const province = REGION_TABLE.provinceByCode.get(`${six.slice(0, 2)}0000`);
  if (!province) return undefined;
  if (six.endsWith('0000')) return regionFrom(province);
  const city = REGION_TABLE.cityByCode.get(six) ?? REGION_TABLE.cityByCode.get(`${six.slice(0, 4)}00`);
  return regionFrom(province, city);
}

function firstNameAt(text: string, from: number, accept: (d: NamedDivision) => boolean) {
  for (let i = from; i < text.length; i++) {
    const candidates = REGION_TABLE.namesByFirstChar.get(text[i]!);
    if (!candidates) continue;
    for (const named of candidates) {
      if (accept(named) && text.startsWith(named.name, i)) return { named, end: i + named.name.length };
    }
  }
  return undefined;
}

function regionInText(text: string): Region | undefined {
  const hit = firstNameAt(text, 0, () => true);
  if (!hit) return undefined;
  if (hit.named.kind === 'city') {
    const province = REGION_TABLE.provinceByCode.get(hit.named.city.provinceCode)!;
    return regionFrom(province, hit.named.city);
  }
  const province = hit.named.province;
  // "浙江杭州转运中心": the province comes first, its city may follow.
  const cityHit = firstNameAt(
    text,
    hit.end,
    (d) => d.kind === 'city' && d.city.provinceCode === province.code,
  );
  return regionFrom(province, cityHit?.named.kind === 'city' ? cityHit.named.city : undefined);
}

/**
 * Where a location text points. The first place named wins, because carrier texts put the
 * current location first and the next hop later ("…已发往 北京转运中心"); a 【bracketed】 place is
 * the carrier's own location field and is preferred over the rest of the text.
 */
export function regionOf(locationText: string): Region | undefined {
  const text = locationText.trim();
  if (text === '') return undefined;
  const byCode = regionOfCode(text);
  if (byCode) return byCode;
  const bracket = /[【[]([^】\]]+)[】\]]/.exec(text);
  if (bracket) {
    const inBracket = regionInText(bracket[1]!);
    if (inBracket?.cityCode) return inBracket;
    if (inBracket) {
      const refined = regionInText(text);
      return refined?.provinceCode === inBracket.provinceCode && refined.cityCode ? refined : inBracket;
    }
  }
  return regionInText(text);
}

function resolve(place: string | Region): Region | undefined {
  return typeof place === 'string' ? regionOf(place) : place;
}

/**
 * Whether `region` lies inside `destination` (a province or city, by name or code).
 * `undefined` when it cannot be told: either place is unknown, or the destination is a city and
 * the region is known only to its province.
 */
export function regionContains(destination: string | Region, region: string | Region): boolean | undefined {
  const dest = resolve(destination);
  const place = resolve(region);
  if (!dest || !place) return undefined;
  if (dest.provinceCode !== place.provinceCode) return false;
  if (!dest.cityCode) return true;
  if (!place.cityCode) return undefined;
  return dest.cityCode === place.cityCode;
}
