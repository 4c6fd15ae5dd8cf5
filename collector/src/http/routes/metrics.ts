// GET /metrics in the Prometheus text format. Unauthenticated, like every Prometheus target: it
// carries counts and label values bounded by createMetrics, never order ids or secrets.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface MetricsRouteOptions {
  registry: Registry;
}

export async function metricsRoute(server: FastifyInstance, options: MetricsRouteOptions): Promise<void> {
  const schema = {
    tags: ['metrics'],
    summary: 'Prometheus metrics (text exposition format), unauthenticated',
    response: {
      200: {
        description: 'the Prometheus text format, version 0.0.4',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
    },
  };
  server.get('/metrics', { schema }, async (_request, reply) => {
    const text = await options.registry.metrics();
    return reply.header('Cache-Control', 'no-store').type(options.registry.contentType).send(text);
  });
}
