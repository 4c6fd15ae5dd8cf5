// What an ended Kuaidi100 subscription leads to, per the reason Kuaidi100 gives.
import { describe, expect, it } from 'vitest';
import {
  afterFailedResubscribe,
  DEFAULT_HEALING_POLICY,
  decideSubscriptionHealing,
  type HealingPolicy,
  type SubscriptionEnd,
} from '../../../src/domain/shipments/subscription-healing.ts';

const NOW = 1_700_000_000_000;
const MIN = 60_000;
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

describe('decideSubscriptionHealing', () => {
  it('does nothing when shutdown follows delivery', () => {
    expect(decide({ status: 'shutdown', finished: true })).toMatchObject({
      reason: 'finished',
      action: 'none',
    });
  });

  it('polls at once when Kuaidi100 shuts tracking down before delivery', () => {
    expect(decide({ status: 'shutdown' })).toMatchObject({
      reason: 'ended_unfinished',
      action: 'poll',
      at: NOW,
    });
  });

  it('resubscribes after 30 minutes when the carrier had no record for 3 days', () => {
    expect(decide({ message: '3天查询无记录' })).toMatchObject({
      reason: 'no_record',
      action: 'resubscribe',
      company: 'yuantong',
      at: NOW + 30 * MIN,
    });
  });

  it('polls rather than resubscribes when nothing changed for 60 days', () => {
    expect(decide({ message: '60天无变化' })).toMatchObject({
      reason: 'unchanged',
      action: 'poll',
      at: NOW + 30 * MIN,
    });
  });

  it('resubscribes at once under the company Kuaidi100 recognised (comNew)', () => {
    expect(decide({ companyNew: 'ZhongTong', message: '单号与快递公司不匹配' })).toMatchObject({
      reason: 'wrong_company',
      action: 'resubscribe',
      company: 'zhongtong',
      at: NOW,
    });
  });

  it('takes a comNew equal to the subscribed company as no correction', () => {
    expect(decide({ companyNew: 'YUANTONG' }).reason).toBe('aborted');
  });

  it('switches to polling once the resubscription ceiling is reached', () => {
    const d = decide({ message: '3天查询无记录' }, DEFAULT_HEALING_POLICY.maxResubscribes);
    expect(d).toMatchObject({ reason: 'no_record', action: 'poll' });
    expect(d.detail).toContain('3 times');
    expect(decide({ message: '3天查询无记录' }, DEFAULT_HEALING_POLICY.maxResubscribes - 1).action).toBe(
      'resubscribe',
    );
  });

  it('polls without a subscribe account and does nothing without either account', () => {
    expect(decide({ message: 'x' }, 0, { ...full, canResubscribe: false }).action).toBe('poll');
    const none = decide({ message: 'x' }, 0, { ...full, canResubscribe: false, canPoll: false });
    expect(none).toMatchObject({ reason: 'aborted', action: 'none' });
    expect(none.detail).toContain('no query account');
  });

  it('after a failed resubscription tries again with growing waits, then polls', () => {
    expect(afterFailedResubscribe(1, full, NOW)).toEqual({ action: 'resubscribe', at: NOW + 30 * MIN });
    expect(afterFailedResubscribe(2, full, NOW)).toEqual({ action: 'resubscribe', at: NOW + 60 * MIN });
    expect(afterFailedResubscribe(3, full, NOW)).toEqual({ action: 'poll', at: NOW });
    expect(afterFailedResubscribe(3, { ...full, canPoll: false }, NOW)).toEqual({ action: 'none', at: NOW });
  });
});
