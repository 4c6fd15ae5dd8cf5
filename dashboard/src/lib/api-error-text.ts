// What a failed request says to the reader. The API's `message` is an English sentence for
// integrators; a Chinese screen shows the catalogue's sentence for the error's code instead
// (`apiError.<code>`), so no English reaches it. English readers get the API's own, more precise,
// sentence.
import { isMessageKey } from '../../../collector/src/messages/format-message.ts';
import { type Lang, translate } from './i18n.ts';

export function apiErrorText(
  lang: Lang,
  failure: { status: number; error: string; message: string },
): string {
  if (lang === 'en' && failure.message) return translate(lang, 'common.error', { message: failure.message });
  const key = `apiError.${failure.error}`;
  const sentence = isMessageKey(key)
    ? translate(lang, key)
    : translate(lang, 'apiError.other', { status: failure.status });
  return translate(lang, 'common.error', { message: sentence });
}
