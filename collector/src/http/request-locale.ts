// The language a reply's sentences are rendered in: `?lang=` first, then `Accept-Language`
// (by quality), else Chinese. Only two languages exist, so a primary-tag match is all the
// negotiation needed; a general negotiator would add a dependency for nothing.
import type { FastifyRequest } from 'fastify';
import { DEFAULT_LOCALE, type Locale } from '../messages/format-message.ts';
import { localeOfTag } from '../messages/locale-tag.ts';

export function localeOfAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...attributes] = part.split(';');
      const q = attributes.map((a) => /^\s*q=([\d.]+)\s*$/.exec(a)?.[1]).find((v) => v !== undefined);
      return { tag, q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const r of ranked) {
    const locale = localeOfTag(r.tag);
    if (locale) return locale;
  }
  return undefined;
}

export function requestLocale(request: FastifyRequest): Locale {
  const lang = new URL(request.url, 'http://localhost').searchParams.get('lang');
  const header = request.headers['accept-language'];
  return (
    (lang === null ? undefined : localeOfTag(lang)) ??
    localeOfAcceptLanguage(Array.isArray(header) ? header[0] : header) ??
    DEFAULT_LOCALE
  );
}
