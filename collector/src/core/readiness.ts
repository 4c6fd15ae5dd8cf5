// What /readyz reports about the core: the store answers; the rules in force (a broken rule file
// never takes the collector out of service: the last good set keeps running and its errors are
// shown); the open orders restored (with them restored in the background the server listens and
// takes events first, and is ready once they are in).
import type { AlertingService } from '../alerting/alerting-service.ts';
import type { Database } from '../store/database.ts';

export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: unknown }>;
}

export function coreReadiness(db: Database, alerting: AlertingService): ReadinessCheck[] {
  return [
    {
      name: 'store',
      check: async () => {
        await db.query('SELECT 1');
        return { ok: true, detail: db.mode };
      },
    },
    {
      name: 'rules',
      check: async () => {
        const rules = alerting.rulesStatus();
        const errors = rules.lastAttempt?.ok === false ? rules.lastAttempt.errors : undefined;
        return {
          ok: true,
          detail: {
            source: rules.source,
            content_hash: rules.ruleSet?.contentHash ?? null,
            ...(errors && { errors }),
          },
        };
      },
    },
    {
      name: 'alerting',
      check: async () => {
        const status = alerting.startStatus();
        return { ok: status.state === 'running', detail: status };
      },
    },
  ];
}
