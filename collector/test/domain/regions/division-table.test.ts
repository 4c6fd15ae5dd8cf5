// Every row of the GB/T 2260 division table read back through the lookups carrier texts use: each
// province by its code, full name and short name, each city by its code and its name, and the
// shape the table's compact city lists must have.
import { describe, expect, it } from 'vitest';
import { PROVINCE_ROWS } from '../../../src/domain/regions/divisions.ts';
import { regionOf, regionOfCode } from '../../../src/domain/regions/match.ts';
import { REGION_TABLE } from '../../../src/domain/regions/table.ts';

const NO_PREFECTURES = new Set(['710000', '810000', '820000']);
const MUNICIPALITIES = new Set(['110000', '120000', '310000', '500000']);

describe('the division table', () => {
  it('names each province in full with its short name first and a provincial suffix', () => {
    for (const row of PROVINCE_ROWS) {
      expect(row.code, row.name).toMatch(/^[1-8]\d0000$/);
      expect(row.shortName.length, row.code).toBeGreaterThanOrEqual(2);
      expect(row.name.startsWith(row.shortName), row.code).toBe(true);
      expect(row.name, row.code).toMatch(/^.{2,}(省|市|自治区|特别行政区)$/);
    }
  });

  it('resolves every province by its code, its full name and its short name', () => {
    for (const row of PROVINCE_ROWS) {
      const expected = { provinceCode: row.code, provinceName: row.name };
      expect(regionOfCode(row.code), row.code).toMatchObject(expected);
      expect(regionOf(row.name), row.name).toMatchObject(expected);
      expect(regionOf(row.shortName), row.shortName).toMatchObject(expected);
    }
  });

  it('lists cities for every province but 台湾, 香港 and 澳门, and exactly one for a municipality, named like it', () => {
    for (const province of REGION_TABLE.provinces) {
      if (NO_PREFECTURES.has(province.code)) expect(province.cities, province.name).toEqual([]);
      else expect(province.cities.length, province.name).toBeGreaterThan(0);
      if (MUNICIPALITIES.has(province.code)) {
        expect(province.cities.map((c) => c.name)).toEqual([province.name]);
        expect(province.cities[0]!.code).toBe(`${province.code.slice(0, 2)}0100`);
      }
    }
  });

  it('gives each city a four-digit code within its province and a name with a prefecture-level suffix', () => {
    for (const province of REGION_TABLE.provinces) {
      for (const city of province.cities) {
        expect(city.code, city.name).toMatch(
          new RegExp(`^${province.code.slice(0, 2)}(0[1-9]|[1-9]\\d)\\d\\d$`),
        );
        expect(city.name, city.code).toMatch(/^.{2,}(市|地区|盟|林区|县|自治州|自治县)$/);
        expect(city.provinceCode).toBe(province.code);
      }
    }
  });

  it('resolves every city by its code and by its full name', () => {
    for (const city of REGION_TABLE.cityByCode.values()) {
      expect(regionOfCode(city.code), city.code).toMatchObject({ cityCode: city.code, cityName: city.name });
      expect(regionOf(city.name)?.cityCode, city.name).toBe(city.code);
    }
  });

  it('shortens an autonomous prefecture to the name carriers write, given after the slash', () => {
    expect(REGION_TABLE.cityByCode.get('222400')).toMatchObject({
      name: '延边朝鲜族自治州',
      shortName: '延边',
    });
    expect(REGION_TABLE.cityByCode.get('632500')).toMatchObject({
      name: '海南藏族自治州',
      shortName: '海南州',
    });
    expect(REGION_TABLE.cityByCode.get('330100')).toMatchObject({ name: '杭州市', shortName: '杭州' });
    expect(REGION_TABLE.cityByCode.get('152200')).toMatchObject({ name: '兴安盟', shortName: '兴安' });
    expect(REGION_TABLE.cityByCode.get('429021')).toMatchObject({ name: '神农架林区', shortName: '神农架' });
    expect(REGION_TABLE.cityByCode.get('469021')).toMatchObject({ name: '定安县', shortName: '定安' });
    expect(REGION_TABLE.cityByCode.get('652900')).toMatchObject({ name: '阿克苏地区', shortName: '阿克苏' });
  });
});
