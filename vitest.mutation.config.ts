// The tests Stryker runs against each mutant: only the pure, fast ones over collector/src/domain and
// the ingest parsers. Store, HTTP, spawned-binary and browser tests take seconds to minutes each,
// which a few thousand mutants cannot afford; they still run in `npm test`. So do the hostile-input
// properties: they check that no input crashes a parser, not what it returns, and at seconds per
// run they would dominate every mutant that reaches a parser.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'collector/test/domain/**/*.test.ts',
      'collector/test/ingest/parsers/**/*.test.ts',
      'collector/test/ingest/bills.test.ts',
      'collector/test/ingest/alipay-notify.test.ts',
      'collector/test/ingest/wechatpay-notify.test.ts',
      'collector/test/domain/reconciliation.test.ts',
      'collector/test/domain/money.test.ts',
      'collector/test/carriers/kuaidi100-push.test.ts',
      'collector/test/carriers/shipment-anomalies.test.ts',
      'collector/test/carriers/shipment-tracking.test.ts',
      'collector/test/carriers/regions.test.ts',
      'collector/test/rules-config/route-matching.test.ts',
    ],
    testTimeout: 30_000,
    expect: { poll: { timeout: 15_000 } },
  },
});
