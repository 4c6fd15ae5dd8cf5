// GET /v1/rules: the rule set running now, whether the last load of alert-rules/ was valid (with
// its precise errors if not), its content hash and the last change.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AlertingService, RulesStatus } from '../../alerting/alerting-service.ts';
import { BUILTIN_RULES, DEFAULT_RULE_PARAMS } from '../../domain/rules/params.ts';
import { RulesReport } from '../../wire/rules.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';

const iso = (t: number) => new Date(t).toISOString();
const isoOrNull = (t: number | undefined) => (t === undefined ? null : iso(t));

export async function rulesRoutes(
  app: FastifyInstance,
  { ctx, alerting }: { ctx: AppContext; alerting: AlertingService },
): Promise<void> {
  app.get(
    '/v1/rules',
    {
      schema: {
        tags: ['rules'],
        summary: 'The rule set running now, the last load of alert-rules/ and its errors',
        security: BEARER,
        response: { 200: RulesReport, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request) => {
      authorize(ctx.tokens, request, ['viewer']);
      return rulesReport(alerting.rulesStatus());
    },
  );
}

export function rulesReport(status: RulesStatus): RulesReport {
  const ruleSet = status.ruleSet;
  const builtin = ruleSet?.builtin ?? DEFAULT_RULE_PARAMS;
  const attempt = status.lastAttempt;
  const rejectedLast = attempt !== undefined && !attempt.ok && attempt.at >= (status.lastChange?.at ?? 0);
  return {
    // Relative to the working directory: where the install lives on disk is nobody's business.
    dir: path.relative(process.cwd(), status.dir) || '.',
    source: status.source,
    valid: attempt?.ok ?? false,
    content_hash: ruleSet?.contentHash ?? null,
    version: status.version?.version ?? null,
    loaded_at: isoOrNull(ruleSet?.loadedAt),
    files: [...(ruleSet?.files ?? [])],
    errors: attempt?.ok === false ? [...attempt.errors] : [],
    last_attempt: attempt ? { at: iso(attempt.at), ok: attempt.ok } : null,
    last_change: rejectedLast
      ? { at: iso(attempt.at), outcome: 'rejected', content_hash: ruleSet?.contentHash ?? null }
      : status.lastChange
        ? {
            at: iso(status.lastChange.at),
            outcome: 'applied',
            content_hash: status.lastChange.contentHash ?? null,
          }
        : null,
    rules: [
      ...BUILTIN_RULES.map((name) => {
        const { enabled, severity, ...params } = builtin[name];
        const routing = ruleSet?.builtinRouting[name];
        return {
          name,
          kind: 'builtin' as const,
          enabled,
          severity,
          file: ruleSet ? 'rules.yaml' : null,
          params,
          route: routing?.route ?? null,
          labels: routing?.labels ?? {},
        };
      }),
      ...(ruleSet?.custom ?? []).map((rule) => ({
        name: rule.name,
        kind: 'custom' as const,
        enabled: rule.enabled,
        severity: rule.severity,
        file: rule.file,
        description: rule.description ?? null,
        condition: rule.when,
        route: rule.route ?? null,
        labels: rule.labels,
        tags: [...rule.tags],
      })),
    ],
  };
}
