import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ConnectionBanner from '../src/components/ConnectionBanner.svelte';
import {
  createTranslator,
  LANGS,
  labelFor,
  langFromSearch,
  MESSAGES,
  translate,
  translateRef,
} from '../src/lib/i18n.ts';

// Keys, arguments and languages of the catalogue itself: collector/test/messages/catalogue.test.ts.
describe('i18n dictionary', () => {
  it('reads every dashboard label from the one catalogue, both languages', () => {
    expect(MESSAGES['nav.alerts']).toEqual({ zh: '告警', en: 'Alerts' });
    for (const lang of LANGS) expect(translate(lang, 'nav.alerts')).toBe(MESSAGES['nav.alerts'][lang]);
  });

  it('counts with ICU plurals', () => {
    expect(translate('en', 'figure.openAlerts', { n: 1 })).toBe('1 alert');
    expect(translate('en', 'figure.openAlerts', { n: 3 })).toBe('3 alerts');
    expect(translate('zh', 'figure.openAlerts', { n: 3 })).toBe('告警 3');
  });

  it('renders a message the API sent unrendered, else shows the text sent with it', () => {
    const ref = { key: 'reason.unmatched_payment', params: {} };
    expect(translateRef('zh', ref, 'x')).toBe('账单中已支付，但没有订单使用此订单号（漏单）');
    expect(translateRef('en', ref, 'x')).toBe('paid in the bill, but no order has this number');
    expect(translateRef('zh', { key: 'no.such.key' }, 'as sent')).toBe('as sent');
    expect(translateRef('zh', null, 'as sent')).toBe('as sent');
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'callbacks.silentFor', { provider: 'WeChat Pay', n: 12 })).toBe(
      'WeChat Pay silent for 12 min',
    );
    expect(translate('zh', 'callbacks.silentFor', { provider: '微信支付', n: 12 })).toBe(
      '微信支付 已静默 12 分钟',
    );
    expect(translate('en', 'alerts.more', {})).toBe('+{n} more');
  });

  it('defaults to Chinese; ?lang=en selects English', () => {
    expect(langFromSearch('')).toBe('zh');
    expect(langFromSearch('?lang=fr')).toBe('zh');
    expect(langFromSearch('?store=S1&lang=en')).toBe('en');
  });

  it('labels data-driven names when known and passes unknown ones through', () => {
    expect(labelFor('zh', 'rule', 'order_stalled')).toBe('订单卡单');
    expect(labelFor('en', 'rule', 'order_stalled')).toBe('Order stalled');
    expect(labelFor('en', 'rule', 'vip_remote_region')).toBe('vip_remote_region');
  });

  it('renders a component in the chosen language', () => {
    const { unmount } = render(ConnectionBanner, {
      connection: 'reconnecting',
      lastMessageAt: null,
      now: 0,
      t: createTranslator('zh'),
    });
    expect(screen.getByRole('alert').textContent).toContain('连接已断开');
    unmount();
    render(ConnectionBanner, {
      connection: 'reconnecting',
      lastMessageAt: null,
      now: 0,
      t: createTranslator('en'),
    });
    expect(screen.getByRole('alert').textContent).toContain('Disconnected — reconnecting');
  });
});
