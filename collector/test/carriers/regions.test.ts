import { describe, expect, it } from 'vitest';
import { regionContains, regionOf, regionOfCode } from '../../src/domain/regions/match.ts';
import { REGION_TABLE } from '../../src/domain/regions/table.ts';

describe('region table', () => {
  it('holds all 34 provincial-level divisions with GB/T 2260 codes', () => {
    expect(REGION_TABLE.provinces).toHaveLength(34);
    for (const p of REGION_TABLE.provinces) expect(p.code).toMatch(/^\d{2}0000$/);
    expect(new Set(REGION_TABLE.provinces.map((p) => p.code)).size).toBe(34);
  });

  it('holds the 333 prefecture-level divisions, the 4 municipalities and the province-administered cities', () => {
    const cities = [...REGION_TABLE.cityByCode.values()];
    const prefecture = cities.filter((c) => c.code.slice(2, 4) !== '90');
    expect(prefecture).toHaveLength(337);
    for (const c of cities) {
      expect(c.code.slice(0, 2)).toBe(c.provinceCode.slice(0, 2));
      expect(c.shortName.length).toBeGreaterThanOrEqual(2);
    }
    expect(REGION_TABLE.cityByCode.get('330100')?.name).toBe('杭州市');
    expect(REGION_TABLE.cityByCode.get('440300')?.name).toBe('深圳市');
    expect(REGION_TABLE.cityByCode.get('371200')).toBeUndefined(); // 莱芜 merged into 济南 in 2019
  });
});

describe('regionOf', () => {
  it.each([
    ['【杭州市】浙江杭州转运中心 已发出', '330000', '330100'],
    ['浙江,杭州市', '330000', '330100'],
    ['330100000000', '330000', '330100'],
    ['330106', '330000', '330100'],
    ['【深圳市】快件已到达 广东深圳南山营业部', '440000', '440300'],
    ['广东深圳南山', '440000', '440300'],
    ['快件已发往 北京转运中心', '110000', '110100'],
    ['上海', '310000', '310100'],
    ['吉林市', '220000', '220200'],
    ['【延边朝鲜族自治州】延吉营业部', '220000', '222400'],
    ['湖北省仙桃市', '420000', '429004'],
    ['新疆石河子', '650000', '659001'],
    ['海南州共和县', '630000', '632500'],
  ])('%s → %s/%s', (text, province, city) => {
    const region = regionOf(text);
    expect(region?.provinceCode).toBe(province);
    expect(region?.cityCode).toBe(city);
  });

  it('names only the province when no city of it is written', () => {
    expect(regionOf('吉林')).toEqual({ provinceCode: '220000', provinceName: '吉林省' });
    expect(regionOf('海南')).toEqual({ provinceCode: '460000', provinceName: '海南省' });
    expect(regionOf('香港特别行政区')?.provinceCode).toBe('810000');
  });

  it('takes the first place named, not the next hop', () => {
    expect(regionOf('【宁波市】快件已发往 杭州转运中心')?.cityCode).toBe('330200');
  });

  it('refines a bracketed province with a city of that province from the text', () => {
    expect(regionOf('【浙江省】温州市瓯海区营业点')?.cityCode).toBe('330300');
  });

  it('returns undefined for text that names no place', () => {
    expect(regionOf('')).toBeUndefined();
    expect(regionOf('快件已签收')).toBeUndefined();
    expect(regionOfCode('990000')).toBeUndefined();
  });
});

describe('regionContains', () => {
  it('accepts a destination as province or city, by name or code', () => {
    expect(regionContains('浙江省', '【杭州市】转运中心')).toBe(true);
    expect(regionContains('330000', '浙江,宁波市')).toBe(true);
    expect(regionContains('330100', '浙江,杭州市')).toBe(true);
    expect(regionContains('杭州', '330102')).toBe(true);
  });

  it('is false for a place outside the destination', () => {
    expect(regionContains('330100', '浙江,宁波市')).toBe(false);
    expect(regionContains('浙江', '【苏州市】')).toBe(false);
    expect(regionContains('上海市', '北京')).toBe(false);
  });

  it('is undefined when it cannot be told', () => {
    expect(regionContains('杭州', '浙江')).toBeUndefined();
    expect(regionContains('somewhere', '浙江')).toBeUndefined();
    expect(regionContains('浙江', '快件已签收')).toBeUndefined();
  });
});

describe('GBT2260_REGION_LOOKUP (the rule engine port)', () => {
  it('resolves locations to codes and counts only known contradictions', async () => {
    const { GBT2260_REGION_LOOKUP: lookup } = await import('../../src/domain/regions/lookup.ts');
    expect(lookup.regionOf('【杭州市】浙江杭州转运中心 已发出')).toBe('330100');
    expect(lookup.regionOf('吉林')).toBe('220000');
    expect(lookup.regionOf('快件已签收')).toBeUndefined();
    expect(lookup.regionContains('浙江省', '330100')).toBe(true);
    expect(lookup.regionContains('330100', '330200')).toBe(false);
    expect(lookup.regionContains('杭州', '330000')).toBe(true);
  });
});
