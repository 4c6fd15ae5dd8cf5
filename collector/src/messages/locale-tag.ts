// Which of the catalogue's languages a language tag (`en-US`, `zh_CN`, `zh-Hans`) names. Only two
// exist, so a primary-tag match is all the negotiation needed; the HTTP edge (`?lang=`,
// `Accept-Language`) and the live stream's handshake (`auth.lang`) both read tags through it.
import type { Locale } from './format-message.ts';

export function localeOfTag(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return primary === 'en' ? 'en' : primary === 'zh' ? 'zh-CN' : undefined;
}
