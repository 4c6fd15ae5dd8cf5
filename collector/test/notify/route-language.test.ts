// A chat channel writes in the language its routes.yaml entry asks for (`lang`), Chinese when it
// asks for none: the same catalogue words, rule names and summaries the dashboard and API use.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/notify/create-channel.ts';
import type { ChannelConfig } from '../../src/rules-config/channel-configs.ts';
import { loadRuleSet } from '../../src/rules-config/rule-set.ts';
import { copyRules } from '../alerting/alerting-harness.ts';
import { type LoopbackReceiver, startReceiver } from './loopback-receiver.ts';
import { firingNotification } from './sample-notification.ts';

let receiver: LoopbackReceiver;
beforeAll(async () => {
  receiver = await startReceiver({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' });
});
afterAll(async () => {
  await receiver.close();
});

/** The oncall receiver's WeCom channel, with `lang` set as given (or left out). */
async function oncallChannel(lang: string | undefined): Promise<ChannelConfig> {
  const dir = copyRules();
  const file = `${dir}/routes.yaml`;
  const text = fs.readFileSync(file, 'utf8');
  const marked = text.replace(
    '      - kind: wecom\n        url_env: ORDERPULSE_WECOM_ONCALL_URL\n',
    `      - kind: wecom\n        url_env: ORDERPULSE_WECOM_ONCALL_URL\n${lang ? `        lang: ${lang}\n` : ''}`,
  );
  if (lang) expect(marked).not.toBe(text);
  fs.writeFileSync(file, marked);
  const loaded = await loadRuleSet(dir);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const oncall = loaded.ruleSet.routing.receivers.oncall!;
  return oncall.primary.find((c) => c.kind === 'wecom')!;
}

async function sentText(config: ChannelConfig): Promise<string> {
  receiver.requests.length = 0;
  const channel = createChannel(config, { env: { ORDERPULSE_WECOM_ONCALL_URL: `${receiver.baseUrl}/send` } });
  await channel.send(firingNotification());
  return (receiver.requests[0]!.json as { markdown: { content: string } }).markdown.content;
}

describe('a chat route in its own language', () => {
  it('writes Chinese when routes.yaml names no language', async () => {
    const text = await sentText(await oncallChannel(undefined));
    expect(text).toContain('【告警:3】支付未入账（严重）');
    expect(text).toContain('3 笔支付超过 2 分钟未入账');
    expect(text).toContain('已持续 5分钟');
    expect(text).not.toMatch(/[A-Za-z]+ [A-Za-z]+ [A-Za-z]+/);
  });

  it('writes English for lang: en, rule name and summary included', async () => {
    const text = await sentText(await oncallChannel('en'));
    expect(text).toContain('[FIRING:3] Payment unapplied (critical)');
    expect(text).toContain('3 payments not applied within 2 min');
    expect(text).toContain('open for 5 min');
    expect(text).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it('writes both for lang: both, Chinese first', async () => {
    const text = await sentText(await oncallChannel('both'));
    expect(text.indexOf('【告警:3】')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('【告警:3】')).toBeLessThan(text.indexOf('[FIRING:3]'));
  });

  it('refuses a language it does not have', async () => {
    await expect(oncallChannel('fr')).rejects.toThrow(/lang/);
  });
});
