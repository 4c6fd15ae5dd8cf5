// POST /v1/rules/backtest: try a draft custom rule file against the stored events of a window before
// switching it on. Admins only: it belongs to changing rules, and a week's replay reads a week of
// the event log, so it is kept to the few who change rules (unscoped admins), one replay at a time.
import type { FastifyInstance } from 'fastify';
import { stringify } from 'yaml';
import type { AlertingService } from '../../alerting/alerting-service.ts';
import { MAX_WINDOW_MS, runBacktest } from '../../backtest/run-backtest.ts';
import { RuleBacktestBody, RuleBacktestReply } from '../../wire/rule-backtest.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';
import { requireChainWide } from '../scope.ts';

const HOUR = 3_600_000;
const iso = (t: number) => new Date(t).toISOString();

export interface RuleBacktestOptions {
  ctx: AppContext;
  alerting: AlertingService;
  now: () => number;
}

export async function ruleBacktestRoutes(
  app: FastifyInstance,
  { ctx, alerting, now }: RuleBacktestOptions,
): Promise<void> {
  let running = false;
  app.post<{ Body: RuleBacktestBody }>(
    '/v1/rules/backtest',
    {
      schema: {
        tags: ['rules'],
        summary:
          'Check a draft custom rules file like `orderpulse rules check` and replay the window through it (admins)',
        security: BEARER,
        body: RuleBacktestBody,
        response: { 200: RuleBacktestReply, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<RuleBacktestReply> => {
      // Refused rather than cut down to the caller's stores: its counts and sample are of every
      // store's events, and a draft is only ever tried to be put in force for every store.
      requireChainWide(authorize(ctx.tokens, request, ['admin']), "a backtest replays every store's events");
      const body = request.body;
      if ((body.yaml === undefined) === (body.rule === undefined))
        throw errors.invalidBody('send exactly one of `yaml` (a custom rules file) and `rule` (one rule)');
      const windowMs = parseWindow(body.window);
      const to = body.to === undefined ? now() : Date.parse(body.to);
      if (running) throw errors.rateLimited(5, 'a backtest is already running; try again when it is done');
      running = true;
      try {
        const outcome = await runBacktest(ctx.db, alerting.rulesStatus().ruleSet?.routing, {
          text: body.yaml ?? stringify({ rules: [body.rule] }),
          file: body.file ?? 'draft.yaml',
          from: to - windowMs,
          to,
        });
        if (!outcome.ok) {
          const count = outcome.errors.length;
          throw errors.invalidBody(
            `the draft is not a valid custom rules file (${count} error${count === 1 ? '' : 's'})`,
            outcome.errors,
          );
        }
        const r = outcome.result;
        const truncated = !outcome.complete || r.sample.length < r.fired || r.byStore.length < r.storesFired;
        return {
          window: { from: iso(outcome.from), to: iso(outcome.to) },
          events_scanned: r.eventsScanned,
          fired: r.fired,
          by_rule: r.byRule,
          by_store: r.byStore.map((s) => ({ store_id: s.storeId, count: s.count })),
          stores_fired: r.storesFired,
          sample: r.sample.map((s) => ({
            order_id: s.orderId,
            store_id: s.storeId,
            at: iso(s.at),
            rule: s.rule,
          })),
          scanned_to: iso(outcome.scannedTo),
          rule_errors: r.errors,
          ...(truncated && { truncated: true as const }),
        };
      } finally {
        running = false;
      }
    },
  );
}

function parseWindow(text: string): number {
  const match = /^(\d+)([hd])$/.exec(text);
  const ms = match === null ? Number.NaN : Number(match[1]) * (match[2] === 'd' ? 24 * HOUR : HOUR);
  if (!(ms <= MAX_WINDOW_MS))
    throw errors.invalidBody(`window must be at most 7 days (e.g. "24h" or "7d"), got "${text}"`);
  return ms;
}
