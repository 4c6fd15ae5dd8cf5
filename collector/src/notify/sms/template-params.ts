// SMS templates are approved by the provider in advance; only their variables change. These are the
// values OrderPulse can fill them with, cut to the provider's limit per variable (Tencent Cloud: 6
// characters for a notification template's variable, cloud.tencent.com/document/product/382/13301).
import { formatMessage } from '../../messages/format-message.ts';
import type { SmsTemplateField } from '../../rules-config/sms-settings.ts';
import type { Notification } from '../notification.ts';

// Texts go to phones in China: Chinese, from the catalogue like every other sentence.
function fieldValue(n: Notification, field: SmsTemplateField): string {
  switch (field) {
    case 'rule':
      return n.rule;
    case 'severity':
      return n.severity;
    case 'status':
      return formatMessage('zh-CN', 'notify.smsStatus', { status: n.status });
    case 'store':
      return n.storeId ?? formatMessage('zh-CN', 'notify.smsAllStores');
    case 'count':
      return String(n.count);
    case 'summary':
      return n.summary.zh;
    case 'link':
      return n.dashboardUrl;
  }
}

/** The values in `fields` order, each at most `maxChars` characters (code points, as the providers count). */
export function smsTemplateValues(
  n: Notification,
  fields: readonly SmsTemplateField[],
  maxChars: number,
): string[] {
  // A link cut short opens nothing: it goes whole, and the template's link variable must allow it.
  return fields.map((field) =>
    field === 'link'
      ? fieldValue(n, field)
      : [...fieldValue(n, field).replace(/\s+/g, ' ').trim()].slice(0, maxChars).join(''),
  );
}
