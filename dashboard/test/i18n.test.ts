import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ConnectionBanner from '../src/components/ConnectionBanner.svelte';
import {
  createTranslator,
  LANGS,
  labelFor,
  langFromSearch,
  MESSAGES,
  type MessageKey,
  translate,
} from '../src/lib/i18n.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n dictionary', () => {
  it('has a non-empty label in every language for every key', () => {
    for (const [key, byLang] of Object.entries(MESSAGES)) {
      for (const lang of LANGS) expect(byLang[lang].trim(), `${key}.${lang}`).not.toBe('');
    }
  });

  it('uses the same placeholders in both languages', () => {
    for (const [key, byLang] of Object.entries(MESSAGES)) {
      expect(placeholders(byLang.en), key).toEqual(placeholders(byLang.zh));
    }
  });

  it('really translates: Chinese labels contain CJK characters, English ones do not', () => {
    const cjk = /[\u4e00-\u9fff]/;
    // Labels that are pure notation in both languages.
    const notation = new Set<MessageKey>(['figure.lagP50', 'freshness.age']);
    for (const [key, byLang] of Object.entries(MESSAGES) as [MessageKey, { zh: string; en: string }][]) {
      expect(cjk.test(byLang.en), `${key}.en`).toBe(key === 'nav.language');
      if (!notation.has(key)) expect(cjk.test(byLang.zh) || key === 'nav.language', `${key}.zh`).toBe(true);
    }
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
