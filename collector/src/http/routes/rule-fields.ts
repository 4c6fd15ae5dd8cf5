// GET /v1/rules/fields: the fields a custom rule's condition may read, straight from the catalogue
// the condition compiler checks against, so the editor's list cannot drift from what compiles.
import type { FastifyInstance } from 'fastify';
import { CONTEXT_FIELDS } from '../../rules-config/expression/context-fields.ts';
import { type RuleField, RuleFieldList } from '../../wire/rule-fields.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';

const FIELDS: RuleField[] = Object.entries(CONTEXT_FIELDS).map(([name, spec]) => ({
  name,
  type: spec.type,
  ...(spec.values === undefined ? {} : { values: [...spec.values] }),
  description: spec.description,
  example: spec.example,
}));

export async function ruleFieldsRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get(
    '/v1/rules/fields',
    {
      schema: {
        tags: ['rules'],
        summary: "The fields a custom rule's `when` may use, with type and example",
        security: BEARER,
        response: { 200: RuleFieldList, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<RuleFieldList> => {
      authorize(ctx.tokens, request, ['viewer']);
      return { fields: FIELDS };
    },
  );
}
