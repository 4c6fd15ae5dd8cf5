// report_bucket_width (0066): the time series panels' bucket for a range — the smallest "nice" width
// that keeps a panel at most max_points buckets wide, so 30 days of minute rollups are not shipped
// minute by minute.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

describe.each(STORE_KINDS)('report_bucket_width (%s)', (kind) => {
  let store: TestDatabase;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await store?.dispose();
  });

  const width = async (hours: number, maxPoints?: number) => {
    const { rows } = await store.db.query<{ width: string }>(
      `SELECT extract(epoch FROM report_bucket_width(now() - make_interval(hours => $1::int), now()
         ${maxPoints === undefined ? '' : ', $2::int'}))::int AS width`,
      maxPoints === undefined ? [hours] : [hours, maxPoints],
    );
    return Number(rows[0]!.width);
  };

  it('keeps minutes up to a day, then widens to stay within 1500 points', async () => {
    expect(await width(1)).toBe(60);
    expect(await width(24)).toBe(60);
    expect(await width(168)).toBe(15 * 60);
    expect(await width(720)).toBe(3600);
    expect(await width(24 * 365)).toBe(6 * 3600);
    expect(await width(24 * 365 * 10)).toBe(86_400);
  });

  it('honours max_points', async () => {
    expect(await width(6, 60)).toBe(15 * 60);
    expect(await width(6, 360)).toBe(60);
  });
});
