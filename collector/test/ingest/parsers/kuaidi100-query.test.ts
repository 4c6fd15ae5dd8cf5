// The Kuaidi100 real-time query: the form the poller sends (signed over the exact param string) and
// how a reply is read — a tracking result, or a refusal in either of the shapes Kuaidi100 uses.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Kuaidi100Error } from '../../../src/ingest/kuaidi100/errors.ts';
import {
  KUAIDI100_QUERY_PATH,
  kuaidi100QueryForm,
  parseKuaidi100QueryReply,
} from '../../../src/ingest/kuaidi100/query.ts';

const md5Upper = (text: string) => createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();
const credentials = { customer: 'CUST01', key: 'k3y' };

describe('kuaidi100QueryForm', () => {
  it('posts to the documented real-time query path', () => {
    expect(KUAIDI100_QUERY_PATH).toBe('/poll/query.do');
  });

  it('sends customer, the param JSON and UPPER(MD5(param + key + customer))', () => {
    const form = kuaidi100QueryForm({ com: 'shunfeng', num: 'SF1234567890' }, credentials);
    expect([...form.keys()]).toEqual(['customer', 'sign', 'param']);
    expect(form.get('customer')).toBe('CUST01');
    const param = form.get('param') ?? '';
    expect(param).toBe('{"com":"shunfeng","num":"SF1234567890","resultv2":"4","show":"0","order":"desc"}');
    expect(form.get('sign')).toBe(md5Upper(`${param}k3yCUST01`));
  });

  it('adds the phone only when given (SF requires it)', () => {
    const form = kuaidi100QueryForm({ com: 'shunfeng', num: 'SF1', phone: '5678' }, credentials);
    expect(JSON.parse(form.get('param') ?? '')).toEqual({
      com: 'shunfeng',
      num: 'SF1',
      phone: '5678',
      resultv2: '4',
      show: '0',
      order: 'desc',
    });
    expect(form.get('sign')).toBe(md5Upper(`${form.get('param')}k3yCUST01`));
  });
});

describe('parseKuaidi100QueryReply', () => {
  it('reads a tracking result', () => {
    const reply = parseKuaidi100QueryReply({
      message: 'ok',
      nu: 'YT1',
      com: 'yuantong',
      state: '3',
      ischeck: '1',
      returnCode: '200',
      data: [{ ftime: '2024-06-01 10:00:00', context: '已签收', statusCode: '301' }],
    });
    expect(reply.kind).toBe('tracked');
    if (reply.kind !== 'tracked') return;
    expect(reply.result).toMatchObject({ carrier: 'yuantong', trackingNo: 'YT1', signed: true });
    expect(reply.result.updates.map((u) => u.state)).toEqual(['delivered']);
  });

  it('reads {result:false} as a refusal with its code and message', () => {
    expect(parseKuaidi100QueryReply({ result: false, returnCode: '501', message: '重复订阅' })).toEqual({
      kind: 'refused',
      returnCode: '501',
      message: '重复订阅',
    });
  });

  it('reads a returnCode without a tracking number as a refusal', () => {
    expect(parseKuaidi100QueryReply({ returnCode: 400, message: '找不到对应公司' })).toEqual({
      kind: 'refused',
      returnCode: '400',
      message: '找不到对应公司',
    });
  });

  it('a refusal without code or message still reads', () => {
    expect(parseKuaidi100QueryReply({ result: false })).toEqual({
      kind: 'refused',
      returnCode: '',
      message: '',
    });
    expect(parseKuaidi100QueryReply({ result: false, returnCode: '500', message: 7 })).toEqual({
      kind: 'refused',
      returnCode: '500',
      message: '',
    });
  });

  it('result:true with a tracking number is a result, not a refusal', () => {
    const reply = parseKuaidi100QueryReply({
      result: true,
      returnCode: '200',
      nu: 'YT2',
      com: 'yuantong',
      data: [],
    });
    expect(reply).toEqual({
      kind: 'tracked',
      result: { carrier: 'yuantong', trackingNo: 'YT2', signed: false, updates: [] },
    });
  });

  it.each([
    ['null', null],
    ['an array', [{ nu: 'x' }]],
    ['a string', 'ok'],
  ])('refuses %s as malformed', (_, body) => {
    expect(() => parseKuaidi100QueryReply(body)).toThrow(Kuaidi100Error);
    expect(() => parseKuaidi100QueryReply(body)).toThrow('the query reply is not a JSON object');
  });

  it('names the reply in the error of a broken result', () => {
    expect(() => parseKuaidi100QueryReply({ com: 'yuantong' })).toThrow('reply.nu is missing');
  });
});
