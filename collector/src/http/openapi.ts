// GET /openapi.json: the OpenAPI 3 document of every route, built by @fastify/swagger from the
// schemas the routes declare. Registered before the routes, whose schemas it collects as they are
// added. Public like /healthz: it describes the API, it holds no data.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import pkg from '../../../package.json' with { type: 'json' };

export const OPENAPI_PATH = '/openapi.json';

export async function registerOpenApi(server: FastifyInstance): Promise<void> {
  await server.register(swagger, {
    // Every API route declares its tags; what has none (the dashboard's files) is not API.
    hideUntagged: true,
    openapi: {
      openapi: '3.1.0',
      info: { title: pkg.name, version: pkg.version, description: pkg.description },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'an ingest, viewer or operator token (the route says which)',
          },
        },
      },
    },
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject;
      markOptionalBodies(document.openapiObject as Document);
      return document.openapiObject;
    },
  });
  server.get(OPENAPI_PATH, { schema: { hide: true } }, async () => server.swagger());
}

/** What markOptionalBodies reads of the document. */
interface Document {
  paths?: Record<string, Record<string, { requestBody?: RequestBody } | undefined>>;
}
interface RequestBody {
  required?: boolean;
  content?: Record<string, { schema?: { anyOf?: { type?: unknown }[] } }>;
}

/**
 * A body schema that admits null means the body may be left out (fastify validates a missing body
 * as null); @fastify/swagger marks every request body required, so this says otherwise.
 */
function markOptionalBodies(document: Document): void {
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item)) {
      const body = operation?.requestBody;
      const schema = body?.content?.['application/json']?.schema;
      if (body && schema?.anyOf?.some((s) => s.type === 'null')) body.required = false;
    }
  }
}
