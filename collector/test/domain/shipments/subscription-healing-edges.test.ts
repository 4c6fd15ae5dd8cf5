// The edges of an ended Kuaidi100 subscription: how its words are read, how a company code is
// compared, and the sentence each decision gives the shipment page and the audit log.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HEALING_POLICY,
  decideSubscriptionHealing,
  HEALING_ACTIONS,
  HEALING_REASONS,
  type HealingPolicy,
  healingReason,
  SUBSCRIPTION_END_STATUSES,
  type SubscriptionEnd,
} from '../../../src/domain/shipments/subscription-healing.ts';

const NOW = 1_700_000_000_000;
const full: HealingPolicy = { ...DEFAULT_HEALING_POLICY, canResubscribe: true, canPoll: true };
const end = (over: Partial<SubscriptionEnd>): SubscriptionEnd => ({
  status: 'abort',
  message: '',
  carrier: 'yuantong',
  finished: false,
  ...over,
});
const decide = (e: Partial<SubscriptionEnd>, soFar = 0, policy = full) =>
  decideSubscriptionHealing(end(e), soFar, policy, NOW);

describe('healingReason', () => {
  it('reads the three days without record and the sixty days without change, spaced or not', () => {
    for (const message of ['3天查询无记录', '3 天查询无记录', '3天无记录', '查询：3天内无记录。'])
      expect(healingReason(end({ message })), message).toBe('no_record');
    for (const message of ['60天无变化', '60 天无变化', '60天内无变化'])
      expect(healingReason(end({ message })), message).toBe('unchanged');
    for (const message of ['无记录', '30天查询', '3天查询', '天无记录', '60天', '无变化'])
      expect(healingReason(end({ message })), message).toBe('aborted');
  });

  it('takes a finished waybill as finished whatever the status, and shutdown as ended otherwise', () => {
    expect(healingReason(end({ finished: true, message: '3天查询无记录' }))).toBe('finished');
    expect(healingReason(end({ status: 'shutdown', message: '3天查询无记录' }))).toBe('ended_unfinished');
  });

  it('compares company codes trimmed and in any case, and takes an empty comNew as none', () => {
    expect(healingReason(end({ carrier: ' YuanTong ', companyNew: 'yuantong' }))).toBe('aborted');
    expect(healingReason(end({ companyNew: '  ' }))).toBe('aborted');
    expect(healingReason(end({ companyNew: '', message: '3天查询无记录' }))).toBe('no_record');
    expect(healingReason(end({ companyNew: 'zhongtong', message: '3天查询无记录' }))).toBe('wrong_company');
  });

  it('lists the statuses, reasons and actions it knows', () => {
    expect(SUBSCRIPTION_END_STATUSES).toEqual(['shutdown', 'abort']);
    expect(HEALING_REASONS).toEqual([
      'finished',
      'ended_unfinished',
      'no_record',
      'unchanged',
      'wrong_company',
      'aborted',
    ]);
    expect(HEALING_ACTIONS).toEqual(['none', 'resubscribe', 'poll']);
    expect(DEFAULT_HEALING_POLICY).toEqual({ maxResubscribes: 3, resubscribeAfterMs: 30 * 60_000 });
  });
});

describe('decideSubscriptionHealing, each decision and its sentence', () => {
  it('finished: nothing to do, no time', () => {
    expect(decide({ finished: true })).toStrictEqual({
      reason: 'finished',
      action: 'none',
      detail: 'tracking finished; nothing to do',
    });
  });

  it('ended before delivery: poll now, or say nothing can cover it', () => {
    expect(decide({ status: 'shutdown' })).toStrictEqual({
      reason: 'ended_unfinished',
      action: 'poll',
      at: NOW,
      detail: 'Kuaidi100 ended tracking before delivery',
    });
    expect(decide({ status: 'shutdown' }, 0, { ...full, canPoll: false })).toStrictEqual({
      reason: 'ended_unfinished',
      action: 'none',
      detail: 'Kuaidi100 ended tracking before delivery; no query account, so nothing can cover it',
    });
  });

  it('no change for 60 days: poll after the 30 minutes, even with resubscriptions left', () => {
    expect(decide({ message: '60天无变化' })).toStrictEqual({
      reason: 'unchanged',
      action: 'poll',
      at: NOW + 30 * 60_000,
      detail: 'no change for 60 days; a new subscription would wait the same',
    });
  });

  it('no subscribe account, or the ceiling reached: poll after the 30 minutes, and say why', () => {
    expect(decide({ message: '3天查询无记录' }, 0, { ...full, canResubscribe: false })).toStrictEqual({
      reason: 'no_record',
      action: 'poll',
      at: NOW + 30 * 60_000,
      detail: 'no subscribe account configured',
    });
    expect(decide({ message: '3天查询无记录' }, 5)).toStrictEqual({
      reason: 'no_record',
      action: 'poll',
      at: NOW + 30 * 60_000,
      detail: 'already resubscribed 5 times',
    });
  });

  it('resubscribes under the carrier as given, after the wait, or at once under a corrected code', () => {
    expect(decide({ carrier: 'YuanTong' })).toStrictEqual({
      reason: 'aborted',
      action: 'resubscribe',
      company: 'YuanTong',
      at: NOW + 30 * 60_000,
      detail: 'subscribe again after the 30 minutes Kuaidi100 asks for',
    });
    expect(decide({ companyNew: ' ZhongTong ' })).toStrictEqual({
      reason: 'wrong_company',
      action: 'resubscribe',
      company: 'zhongtong',
      at: NOW,
      detail: 'subscribe again as zhongtong (Kuaidi100 recognised the number as zhongtong)',
    });
  });

  it('a policy of its own: the ceiling and the wait are the policy’s', () => {
    const own = { ...full, maxResubscribes: 1, resubscribeAfterMs: 1_000 };
    expect(decide({ message: 'x' }, 0, own)).toMatchObject({ action: 'resubscribe', at: NOW + 1_000 });
    expect(decide({ message: 'x' }, 1, own)).toMatchObject({ action: 'poll', at: NOW + 1_000 });
  });
});
