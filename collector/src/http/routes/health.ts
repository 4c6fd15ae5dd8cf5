// /healthz: the process answers. /readyz: every readiness check (store reachable, rules loaded) passes.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';

export async function healthRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, { ok: boolean; detail?: unknown }> = {};
    for (const c of ctx.readiness) {
      try {
        checks[c.name] = await c.check();
      } catch (error) {
        checks[c.name] = { ok: false, detail: (error as Error).message };
      }
    }
    const ready = Object.values(checks).every((c) => c.ok);
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not_ready', store: ctx.db.mode, checks });
  });
}
