// Changing the rule set through the API (admin): a whole custom rules file, rules.yaml or
// calendar.yaml, a removal, a rollback to an earlier version, and a check that saves nothing. Each
// valid change is a new version in force at once; an invalid one is a 400 with the checker's
// problems at their line and column of the submitted text, and nothing changes.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AlertingService, EditResult, RuleEdit } from '../../alerting/alerting-service.ts';
import {
  CALENDAR_FILE,
  CUSTOM_DIR,
  customFile,
  isRuleFilePath,
  RULES_FILE,
} from '../../rules-config/rule-files.ts';
import {
  CustomRulesParams,
  RollbackBody,
  RuleCheckBody,
  RuleCheckOk,
  RuleFileBody,
  RuleVersionRef,
} from '../../wire/rules.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';
import { requireChainWide } from '../scope.ts';

const YAML_TYPES = ['text/yaml', 'application/yaml', 'application/x-yaml'];
/** Where a check without `file` puts the text: a new custom file (no API name can start with `_`). */
const DRAFT_FILE = `${CUSTOM_DIR}/_draft.yaml`;

/** A body of a content type these routes do not take; refused with 415 once authorized. */
class UnsupportedBody {}

const fileBody = (json: typeof RuleFileBody | typeof RuleCheckBody) => ({
  content: {
    'application/json': { schema: json },
    'text/yaml': { schema: { type: 'string', description: 'the whole file' } },
  },
});

interface Submitted {
  yaml: string;
  note: string | undefined;
  file: string | undefined;
}

function submitted(request: FastifyRequest): Submitted {
  const body = request.body;
  if (typeof body === 'string') return { yaml: body, note: undefined, file: undefined };
  if (body instanceof UnsupportedBody || body === undefined || body === null) {
    const type = request.headers['content-type']?.split(';')[0]?.trim();
    throw errors.unsupportedMediaType(
      type,
      `content type ${type ? `"${type}"` : '(none)'} is not accepted; send text/yaml or application/json`,
    );
  }
  const json = body as { yaml: string; note?: string; file?: string };
  return { yaml: json.yaml, note: json.note, file: json.file };
}

function reply(result: EditResult): RuleVersionRef {
  if (result.ok) return { version: result.version.version };
  if (result.reason === 'not_found') throw errors.notFound(result.what);
  throw errors.invalidRules(result.errors);
}

export async function ruleEditsRoutes(
  app: FastifyInstance,
  { ctx, alerting }: { ctx: AppContext; alerting: AlertingService },
): Promise<void> {
  // Bodies are bounded by the server's limit (1 MiB, the largest rule file the checker reads).
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) =>
    done(null, new UnsupportedBody()),
  );

  const admin = (request: FastifyRequest) => authorize(ctx.tokens, request, ['admin']);
  // Rules apply to every store: a store manager's admin token reads them but may not change them.
  const chainAdmin = (request: FastifyRequest) => {
    const principal = admin(request);
    requireChainWide(principal, 'a rule change applies to every store');
    return principal;
  };
  const editErrors = errorResponses(...PROTECTED_ERRORS, 404, 413, 415);

  const putWhole = (url: string, file: string, summary: string) =>
    app.put(
      url,
      {
        schema: {
          tags: ['rules'],
          summary,
          security: BEARER,
          body: fileBody(RuleFileBody),
          response: { 200: RuleVersionRef, ...editErrors },
        },
      },
      async (request): Promise<RuleVersionRef> => {
        const principal = chainAdmin(request);
        const body = submitted(request);
        return reply(
          await alerting.editRules({ kind: 'put', file, text: body.yaml }, principal.name, body.note),
        );
      },
    );
  putWhole('/v1/rules/builtin', RULES_FILE, 'Replace rules.yaml (built-in rule parameters) as a new version');
  putWhole('/v1/rules/calendar', CALENDAR_FILE, 'Replace calendar.yaml as a new version');

  app.put<{ Params: CustomRulesParams }>(
    '/v1/rules/custom/:name',
    {
      schema: {
        tags: ['rules'],
        summary:
          'Create or replace custom/{name}.yaml as a new version, checked like `orderpulse rules check`',
        security: BEARER,
        params: CustomRulesParams,
        body: fileBody(RuleFileBody),
        response: { 200: RuleVersionRef, ...editErrors },
      },
    },
    async (request): Promise<RuleVersionRef> => {
      const principal = chainAdmin(request);
      const body = submitted(request);
      const edit: RuleEdit = { kind: 'put', file: customFile(request.params.name), text: body.yaml };
      return reply(await alerting.editRules(edit, principal.name, body.note));
    },
  );

  app.delete<{ Params: CustomRulesParams }>(
    '/v1/rules/custom/:name',
    {
      schema: {
        tags: ['rules'],
        summary: 'Remove custom/{name}.yaml as a new version; alerts of its rules resolve',
        security: BEARER,
        params: CustomRulesParams,
        response: { 200: RuleVersionRef, ...editErrors },
      },
    },
    async (request): Promise<RuleVersionRef> => {
      const principal = chainAdmin(request);
      const edit: RuleEdit = { kind: 'delete', file: customFile(request.params.name) };
      return reply(await alerting.editRules(edit, principal.name, undefined));
    },
  );

  app.post<{ Body: RollbackBody }>(
    '/v1/rules/rollback',
    {
      schema: {
        tags: ['rules'],
        summary: "Put an earlier version's whole rule set back in force, as a new version",
        security: BEARER,
        body: RollbackBody,
        response: { 200: RuleVersionRef, ...editErrors },
      },
    },
    async (request): Promise<RuleVersionRef> => {
      const principal = chainAdmin(request);
      if (request.body instanceof UnsupportedBody) submitted(request);
      const { version, note } = request.body;
      return reply(await alerting.editRules({ kind: 'rollback', version }, principal.name, note));
    },
  );

  app.post(
    '/v1/rules/check',
    {
      schema: {
        tags: ['rules'],
        summary: 'Check a rule file against the set in force without saving anything',
        security: BEARER,
        body: fileBody(RuleCheckBody),
        response: { 200: RuleCheckOk, ...errorResponses(...PROTECTED_ERRORS, 413, 415) },
      },
    },
    async (request): Promise<RuleCheckOk> => {
      admin(request);
      const body = submitted(request);
      const file = body.file ?? DRAFT_FILE;
      if (body.file !== undefined && !isRuleFilePath(body.file)) {
        throw errors.invalidRequest(
          `file must be ${RULES_FILE}, ${CALENDAR_FILE}, routes.yaml or ${CUSTOM_DIR}/<name>.yaml with a name matching ^[a-z0-9][a-z0-9_-]{0,63}$`,
        );
      }
      const problems = await alerting.checkRules(file, body.yaml);
      if (problems.length > 0) throw errors.invalidRules(problems);
      return { ok: true };
    },
  );
}
