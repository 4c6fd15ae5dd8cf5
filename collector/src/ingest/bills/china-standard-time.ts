// Providers write local wall-clock times without an offset: bill columns (交易时间, 完成时间) and Alipay's
// notify fields (gmt_payment, notify_time). They are China Standard Time, UTC+8, which has had no DST
// since 1991, so a fixed offset is exact and needs no time-zone database.

import { calendarInstant } from '../calendar-instant.ts';

const CST_OFFSET_MS = 8 * 3_600_000;
// Also the forms Excel leaves behind when someone opens and re-saves a bill: `2024/6/1 9:05`.
const LOCAL_TIME = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/** `2024-06-01 10:15:30` (China local) → epoch ms, or undefined when it is not such a time. */
export function parseChinaLocalTime(text: string): number | undefined {
  const m = LOCAL_TIME.exec(text);
  if (!m) return undefined;
  const utc = calendarInstant(m);
  return utc === undefined ? undefined : utc - CST_OFFSET_MS;
}
