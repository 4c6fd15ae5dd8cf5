// The subscribe client against the loopback Kuaidi100 subscribe API: the form Kuaidi100 documents,
// authenticated by the key, with the salt that makes later pushes signed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKuaidi100SubscribeClient } from '../../src/carriers/kuaidi100-subscribe-client.ts';
import { CarrierQueryError } from '../../src/carriers/tracking-query.ts';
import { kuaidi100PushSign } from '../../src/ingest/kuaidi100/sign.ts';
import { kuaidi100SubscribeForm } from '../../src/ingest/kuaidi100/subscribe.ts';
import { FakeKuaidi100Subscribe } from '../../src/simulator/provider-apis/kuaidi100-subscribe.ts';
import { LoopbackServer } from '../../src/simulator/provider-apis/loopback-server.ts';

const account = {
  key: 'the-key',
  salt: 'the-salt',
  callbackUrl: 'https://op.example.com/v1/notify/kuaidi100',
};

describe('Kuaidi100 subscribe client', () => {
  const fake = new FakeKuaidi100Subscribe({ key: account.key });
  beforeAll(() => fake.listen());
  afterAll(() => fake.close());

  it('subscribes with the key, the callback URL and the salt', async () => {
    const client = createKuaidi100SubscribeClient({ ...account, baseUrl: fake.baseUrl });
    expect(await client.subscribe({ company: 'shunfeng', number: 'SF1', phone: '1234' })).toEqual({
      kind: 'subscribed',
      returnCode: '200',
    });
    expect(fake.subscriptions.get('SF1')).toMatchObject({
      company: 'shunfeng',
      callbackUrl: account.callbackUrl,
      salt: account.salt,
      phone: '1234',
    });
  });

  it('is refused with 600 for a wrong key, and subscribes nothing', async () => {
    const client = createKuaidi100SubscribeClient({ ...account, key: 'stolen', baseUrl: fake.baseUrl });
    expect(await client.subscribe({ company: 'yuantong', number: 'YT9' })).toMatchObject({
      kind: 'refused',
      returnCode: '600',
    });
    expect(fake.subscriptions.has('YT9')).toBe(false);
  });

  it('a subscription without salt (its pushes would be unsigned) is refused with 700', async () => {
    const form = kuaidi100SubscribeForm({ company: 'yuantong', number: 'YT10' }, { ...account, salt: '' });
    const res = await fetch(`${fake.baseUrl}/poll`, { method: 'POST', body: form });
    expect(await res.json()).toMatchObject({ result: false, returnCode: '700' });
  });

  it('reports an HTTP failure as a CarrierQueryError', async () => {
    fake.fault('YT11', { kind: 'http', status: 502 });
    const client = createKuaidi100SubscribeClient({ ...account, baseUrl: fake.baseUrl });
    const error = await client.subscribe({ company: 'yuantong', number: 'YT11' }).catch((e) => e);
    expect(error).toBeInstanceOf(CarrierQueryError);
    expect(error.status).toBe(502);
  });

  it('a fake push reaches the callback signed with the subscription salt', async () => {
    let received: URLSearchParams | undefined;
    const receiver = new LoopbackServer((_req, body, res) => {
      received = new URLSearchParams(body.toString('utf8'));
      res.writeHead(200).end('{}');
    });
    await receiver.listen();
    try {
      const client = createKuaidi100SubscribeClient({
        ...account,
        callbackUrl: `${receiver.baseUrl}/v1/notify/kuaidi100`,
        baseUrl: fake.baseUrl,
      });
      await client.subscribe({ company: 'yuantong', number: 'YT12' });
      await fake.push('YT12', { status: 'polling', message: '' });
      const param = received?.get('param') ?? '';
      expect(JSON.parse(param)).toEqual({ status: 'polling', message: '' });
      expect(received?.get('sign')).toBe(kuaidi100PushSign(param, account.salt));
    } finally {
      await receiver.close();
    }
  });
});
