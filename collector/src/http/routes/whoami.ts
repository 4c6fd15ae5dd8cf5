// GET /v1/whoami: the caller's token name, role and scope. Any valid token may ask about itself.
import type { FastifyInstance } from 'fastify';
import { Whoami } from '../../wire/whoami.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';

export async function whoamiRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get(
    '/v1/whoami',
    {
      schema: {
        tags: ['auth'],
        summary: "The bearer token's name, role and scope (stores, regions)",
        security: BEARER,
        response: { 200: Whoami, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<Whoami> => {
      const { name, role, stores, regions } = authorize(ctx.tokens, request, ['ingest', 'viewer']);
      return {
        name,
        role,
        ...(stores && { stores: [...stores] }),
        ...(regions && { regions: [...regions] }),
      };
    },
  );
}
