// POST/GET /v1/silences and DELETE /v1/silences/{id} (expire). Alertmanager semantics: a silence
// mutes notifications of the alerts all its matchers match; the alerts stay visible, marked silenced.
import type { FastifyInstance } from 'fastify';
import type { AlertingService } from '../../alerting/alerting-service.ts';
import { silenceVisible } from '../../auth/scope.ts';
import { matchersFromObject, silenceProblem } from '../../domain/alerts/silences.ts';
import { findSilence, listSilences, type MatcherObject, toWireSilence } from '../../store/silences.ts';
import {
  SilenceList,
  SilenceParams,
  SilenceReply,
  SilenceRequest,
  SilencesQuery,
} from '../../wire/silences.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';
import { visibleTo } from '../scope.ts';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i;

function parseTime(field: string, text: string): number {
  const ms = Date.parse(text);
  if (!RFC3339.test(text) || Number.isNaN(ms)) {
    throw errors.invalidRequest(`${field} must be an RFC 3339 time with an offset, got "${text}"`);
  }
  return ms;
}

export async function silencesRoutes(
  app: FastifyInstance,
  { ctx, alerting }: { ctx: AppContext; alerting: AlertingService },
): Promise<void> {
  // The alerting service's clock, so a silence's window is judged on the same time line as the alerts.
  const now = () => alerting.clock();

  app.post<{ Body: SilenceRequest }>(
    '/v1/silences',
    {
      schema: {
        tags: ['silences'],
        summary: 'Create a silence (operators): matching alerts stay visible but are not notified',
        security: BEARER,
        body: SilenceRequest,
        response: { 201: SilenceReply, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request, reply) => {
      const principal = authorize(ctx.tokens, request, ['operator']);
      const body = request.body;
      const t = now();
      const startsAt = body.starts_at === undefined ? t : parseTime('starts_at', body.starts_at);
      const endsAt = parseTime('ends_at', body.ends_at);
      if (endsAt <= t) throw errors.invalidRequest('ends_at must be in the future');
      const matchers = body.matchers as MatcherObject;
      if (!silenceVisible(await visibleTo(ctx, principal), matchers))
        throw errors.forbidden('a store_id matcher naming one of its stores, for a scoped token');
      const problem = silenceProblem({ matchers: matchersFromObject(matchers), startsAt, endsAt });
      if (problem !== undefined) throw errors.invalidRequest(problem);
      const silence = await alerting.createSilence(
        { matchers, startsAt, endsAt, comment: body.comment.trim() },
        principal.name,
      );
      return reply.code(201).send({ silence: toWireSilence(silence, now()) });
    },
  );

  app.get<{ Querystring: SilencesQuery }>(
    '/v1/silences',
    {
      schema: {
        tags: ['silences'],
        summary: 'Silences, newest first, expired ones included',
        security: BEARER,
        querystring: SilencesQuery,
        response: { 200: SilenceList, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<SilenceList> => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const visible = await visibleTo(ctx, principal);
      const t = now();
      const silences = (await listSilences(ctx.db, request.query.limit))
        .filter((s) => silenceVisible(visible, s.matcherObject))
        .map((s) => toWireSilence(s, t));
      const status = request.query.status;
      return { silences: status === undefined ? silences : silences.filter((s) => s.status === status) };
    },
  );

  app.delete<{ Params: SilenceParams }>(
    '/v1/silences/:id',
    {
      schema: {
        tags: ['silences'],
        summary: 'Expire a silence now (operators)',
        security: BEARER,
        params: SilenceParams,
        response: { 200: SilenceReply, ...errorResponses(...PROTECTED_ERRORS, 404) },
      },
    },
    async (request): Promise<SilenceReply> => {
      const principal = authorize(ctx.tokens, request, ['operator']);
      const visible = await visibleTo(ctx, principal);
      if (visible !== undefined) {
        const silence = await findSilence(ctx.db, request.params.id);
        if (!silence || !silenceVisible(visible, silence.matcherObject))
          throw errors.notFound(`silence ${JSON.stringify(request.params.id)}`);
      }
      const expired = await alerting.expireSilence(request.params.id, principal.name);
      if (expired === undefined) throw errors.notFound(`silence ${JSON.stringify(request.params.id)}`);
      return { silence: toWireSilence(expired, now()) };
    },
  );
}
