// /healthz: the process answers. /readyz: every readiness check (store reachable, rules loaded)
// passes. The status code and word are for load balancers and orchestrators, which hold no token;
// what each check found (a rule file's errors, the store's mode) only for a viewer or operator.
import type { FastifyInstance } from 'fastify';
import { grants } from '../../auth/tokens.ts';
import { Health, Readiness } from '../../wire/health.ts';
import { bearerToken } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errorResponses } from '../route-schema.ts';

export async function healthRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get(
    '/healthz',
    { schema: { tags: ['health'], summary: 'The process answers', response: { 200: Health } } },
    async (): Promise<Health> => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Every readiness check passes; what each found for viewers and operators only',
        response: { 200: Readiness, 503: Readiness, ...errorResponses(500) },
      },
    },
    async (request, reply) => {
      const checks: NonNullable<Readiness['checks']> = {};
      for (const c of ctx.readiness) {
        try {
          checks[c.name] = await c.check();
        } catch (error) {
          checks[c.name] = { ok: false, detail: (error as Error).message };
        }
      }
      const ready = Object.values(checks).every((c) => c.ok);
      const status = ready ? 'ready' : 'not_ready';
      const token = bearerToken(request);
      const principal = token ? ctx.tokens.identify(token) : undefined;
      const body: Readiness =
        principal && grants(principal, 'viewer') ? { status, store: ctx.db.mode, checks } : { status };
      return reply.code(ready ? 200 : 503).send(body);
    },
  );
}
