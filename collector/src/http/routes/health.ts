// /healthz: the process answers. /readyz: every readiness check (store reachable, rules loaded)
// passes. The status code and word are for load balancers and orchestrators, which hold no token;
// what each check found (a rule file's errors, the store's mode) only for a viewer or operator.
import type { FastifyInstance } from 'fastify';
import { bearerToken, grants } from '../auth.ts';
import type { AppContext } from '../context.ts';

export async function healthRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    const checks: Record<string, { ok: boolean; detail?: unknown }> = {};
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
    if (!principal || !grants(principal, 'viewer')) return reply.code(ready ? 200 : 503).send({ status });
    return reply.code(ready ? 200 : 503).send({ status, store: ctx.db.mode, checks });
  });
}
