// The division rows of divisions.ts as typed records with lookup indexes. Pure data, built once.
import { PROVINCE_ROWS } from './divisions.ts';

export interface Province {
  code: string;
  name: string;
  shortName: string;
  cities: readonly City[];
}

export interface City {
  code: string;
  name: string;
  shortName: string;
  provinceCode: string;
}

export interface RegionTable {
  provinces: readonly Province[];
  provinceByCode: ReadonlyMap<string, Province>;
  cityByCode: ReadonlyMap<string, City>;
  /** Every full and short name (provinces and cities) by first character, longest first. */
  namesByFirstChar: ReadonlyMap<string, readonly NamedDivision[]>;
}

export type NamedDivision =
  | { name: string; kind: 'province'; province: Province; full: boolean }
  | { name: string; kind: 'city'; city: City; full: boolean };

const SUFFIX = /(市|地区|盟|林区|县)$/;

function parseCities(provinceCode: string, spec: string): City[] {
  if (spec === '') return [];
  return spec.split(' ').map((entry) => {
    const digits = entry.slice(0, 4);
    const [name, explicitShort] = entry.slice(4).split('/') as [string, string | undefined];
    const shortName = explicitShort ?? name.replace(SUFFIX, '');
    return { code: provinceCode.slice(0, 2) + digits, name, shortName, provinceCode };
  });
}

function build(): RegionTable {
  const provinces: Province[] = PROVINCE_ROWS.map((row) => ({
    code: row.code,
    name: row.name,
    shortName: row.shortName,
    cities: parseCities(row.code, row.cities),
  }));
  const provinceByCode = new Map(provinces.map((p) => [p.code, p]));
  const cityByCode = new Map(provinces.flatMap((p) => p.cities.map((c) => [c.code, c] as const)));
  const names: NamedDivision[] = [];
  for (const province of provinces) {
    names.push({ name: province.name, kind: 'province', province, full: true });
    names.push({ name: province.shortName, kind: 'province', province, full: false });
    for (const city of province.cities) {
      names.push({ name: city.name, kind: 'city', city, full: true });
      if (city.shortName !== city.name) names.push({ name: city.shortName, kind: 'city', city, full: false });
    }
  }
  // Longest first so "黔西南" wins over "黔南"-like prefixes; at equal length a full name wins, and a
  // province wins over a city of the same short name (吉林省 over 吉林市 when only "吉林" is written).
  names.sort(
    (a, b) =>
      b.name.length - a.name.length ||
      Number(b.full) - Number(a.full) ||
      (a.kind === b.kind ? 0 : a.kind === 'province' ? -1 : 1),
  );
  const namesByFirstChar = new Map<string, NamedDivision[]>();
  for (const named of names) {
    const first = named.name[0]!;
    const bucket = namesByFirstChar.get(first) ?? [];
    bucket.push(named);
    namesByFirstChar.set(first, bucket);
  }
  return { provinces, provinceByCode, cityByCode, namesByFirstChar };
}

export const REGION_TABLE: RegionTable = build();
