// GET /v1/business-day: the day every "today", default range and daily bucket follows.
import { type Static, Type } from '@sinclair/typebox';

export const BusinessDay = Type.Object({
  time_zone: Type.String({ description: 'ORDERPULSE_TZ, an IANA time zone' }),
  today: Type.String({ description: 'the current local day in time_zone, YYYY-MM-DD' }),
  day_start: Type.String({ description: "today's first instant, RFC 3339 (UTC)" }),
  day_end: Type.String({ description: "the next day's first instant, RFC 3339 (UTC)" }),
});
export type BusinessDay = Static<typeof BusinessDay>;
