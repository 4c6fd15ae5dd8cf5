// The forms a place arrives in at their edges: code lengths GB/T 2260 has and has not, county and
// unknown prefecture codes, ASCII and full-width brackets, a bracket that names no place, and a
// city written after a province it does not belong to.
import { describe, expect, it } from 'vitest';
import { GBT2260_REGION_LOOKUP } from '../../../src/domain/regions/lookup.ts';
import { regionContains, regionOf, regionOfCode } from '../../../src/domain/regions/match.ts';

const ZHEJIANG = { provinceCode: '330000', provinceName: '浙江省' };
const HANGZHOU = { ...ZHEJIANG, cityCode: '330100', cityName: '杭州市' };

describe('regionOfCode', () => {
  it('reads 2, 4, 6 and 12 digits, a county resolving to its prefecture', () => {
    expect(regionOfCode('33')).toEqual(ZHEJIANG);
    expect(regionOfCode('3301')).toEqual(HANGZHOU);
    expect(regionOfCode('330106')).toEqual(HANGZHOU);
    expect(regionOfCode('330106001002')).toEqual(HANGZHOU);
  });

  it('refuses other lengths and anything around the digits', () => {
    for (const code of ['3', '330', '33010', '3301060', '3301000000001', ' 330100', '330100 ', '33010x']) {
      expect(regionOfCode(code), code).toBeUndefined();
    }
  });

  it('keeps a county-level city a province administers as its own city', () => {
    expect(regionOfCode('429004')).toEqual({
      provinceCode: '420000',
      provinceName: '湖北省',
      cityCode: '429004',
      cityName: '仙桃市',
    });
  });

  it('names only the province for a prefecture code it does not list, and nothing for an unknown province', () => {
    expect(regionOfCode('339900')).toEqual(ZHEJIANG);
    expect(regionOfCode('429099')).toEqual({ provinceCode: '420000', provinceName: '湖北省' });
    expect(regionOfCode('990100')).toBeUndefined();
  });

  it('names a municipality’s one city from its province code', () => {
    expect(regionOfCode('110000')).toEqual({
      provinceCode: '110000',
      provinceName: '北京市',
      cityCode: '110100',
      cityName: '北京市',
    });
  });
});

describe('regionOf', () => {
  it('reads a place in ASCII brackets as in full-width ones, and trims the text', () => {
    expect(regionOf('[杭州市]中转')).toEqual(HANGZHOU);
    expect(regionOf('  杭州  ')).toEqual(HANGZHOU);
    expect(regionOf('  330100  ')).toEqual(HANGZHOU);
    expect(regionOf('   ')).toBeUndefined();
  });

  it('prefers the bracketed place, the carrier’s own location field, wherever it stands in the text', () => {
    expect(regionOf('宁波发往【杭州市】')).toEqual(HANGZHOU);
    expect(regionOf('宁波发往【杭州】')).toEqual(HANGZHOU);
    expect(regionOf('浙江宁波【杭州市】')).toEqual(HANGZHOU);
  });

  it('keeps a bracketed province when the text before it names another province', () => {
    expect(regionOf('江苏发出【浙江省】')).toEqual(ZHEJIANG);
  });

  it('reads the rest of the text when the bracket names no place', () => {
    expect(regionOf('【快件】杭州')).toEqual(HANGZHOU);
  });

  it('keeps a bracketed province when the text names only a city of another province', () => {
    expect(regionOf('【浙江】江苏苏州')).toEqual(ZHEJIANG);
    expect(regionOf('【浙江】')).toEqual(ZHEJIANG);
  });

  it('takes a city after a province only when it lies in that province', () => {
    expect(regionOf('浙江 苏州')).toEqual(ZHEJIANG);
    expect(regionOf('x浙江y')).toEqual(ZHEJIANG);
    expect(regionOf('吉林省吉林市')?.cityCode).toBe('220200');
  });

  it('prefers the longest name at a place: an autonomous prefecture over a province it starts like', () => {
    expect(regionOf('海南藏族自治州')?.cityCode).toBe('632500');
    expect(regionOf('黔西南州')?.cityCode).toBe('522300');
    expect(regionOf('黔南')?.cityCode).toBe('522700');
  });
});

describe('regionContains with regions given as records', () => {
  it('takes resolved regions as they are', () => {
    expect(regionContains(ZHEJIANG, HANGZHOU)).toBe(true);
    expect(regionContains(HANGZHOU, ZHEJIANG)).toBeUndefined();
    expect(regionContains(HANGZHOU, { ...ZHEJIANG, cityCode: '330200', cityName: '宁波市' })).toBe(false);
  });
});

describe('GBT2260_REGION_LOOKUP', () => {
  it('answers the province code when the location names no city, and counts an unknown place as no contradiction', () => {
    expect(GBT2260_REGION_LOOKUP.regionOf('浙江')).toBe('330000');
    expect(GBT2260_REGION_LOOKUP.regionContains('330100', '浙江')).toBe(true);
    expect(GBT2260_REGION_LOOKUP.regionContains('somewhere', '330100')).toBe(true);
    expect(GBT2260_REGION_LOOKUP.regionContains('江苏', '330100')).toBe(false);
  });
});
