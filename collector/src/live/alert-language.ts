// A live alert in the reader's language. Live clients say which one in the handshake
// (`auth.lang`, as `?lang=` on the API); the alert object keeps the REST shape, its sentences
// (`rule_name`, `summary`) rendered from the catalogue, like `GET /v1/alerts` does per request.
import { formatMessage, isMessageKey, type MessageParams, type Reader } from '../messages/format-message.ts';
import { ruleNameOf } from '../store/alerts.ts';
import type { Alert } from '../wire/alerts.ts';

/**
 * Re-renders an alert kept in the panels (rendered once, in the default language). A summary that
 * is not a catalogue message (a custom rule's own words) stays as its author wrote it.
 */
export function alertFor(alert: Alert, reader: Reader): Alert {
  const ref = alert.summary_message;
  return {
    ...alert,
    rule_name: ruleNameOf(alert.rule, reader),
    summary:
      ref && isMessageKey(ref.key)
        ? formatMessage(reader.locale, ref.key, ref.params as MessageParams | undefined, reader)
        : alert.summary,
  };
}
