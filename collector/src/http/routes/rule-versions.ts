// Reading the rule set's versions: GET /v1/rules/versions (newest first), one version's files, and
// what changed between two versions, file by file.
import type { FastifyInstance } from 'fastify';
import { diffRuleFiles } from '../../rule-versions/version-diff.ts';
import {
  getRuleVersion,
  listRuleVersions,
  type RuleVersion,
  type RuleVersionInfo,
} from '../../store/rule-versions.ts';
import {
  RuleVersionDetail,
  RuleVersionDiff,
  RuleVersionList,
  RuleVersionPairParams,
  RuleVersionParams,
  type RuleVersionSummary,
} from '../../wire/rules.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';

/** Versions are listed whole: one per change of the rules, so thousands at most in practice. */
const LIST_LIMIT = 1000;

export function toWireVersion(v: RuleVersionInfo): RuleVersionSummary {
  return {
    version: v.version,
    hash: v.hash,
    source: v.source,
    author: v.author,
    at: new Date(v.at).toISOString(),
    note: v.note ?? null,
  };
}

export async function ruleVersionsRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const find = async (version: string): Promise<RuleVersion> => {
    const found = await getRuleVersion(ctx.db, version);
    if (found === undefined) throw errors.notFound(`rule set version ${version}`);
    return found;
  };

  app.get(
    '/v1/rules/versions',
    {
      schema: {
        tags: ['rules'],
        summary: 'Versions of the rule set, newest first (the newest is in force)',
        security: BEARER,
        response: { 200: RuleVersionList, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request): Promise<RuleVersionList> => {
      authorize(ctx.tokens, request, ['viewer']);
      return { versions: (await listRuleVersions(ctx.db, LIST_LIMIT)).map(toWireVersion) };
    },
  );

  app.get<{ Params: RuleVersionParams }>(
    '/v1/rules/versions/:version',
    {
      schema: {
        tags: ['rules'],
        summary: "One version of the rule set with its files' text",
        security: BEARER,
        params: RuleVersionParams,
        response: { 200: RuleVersionDetail, ...errorResponses(...PROTECTED_ERRORS, 404) },
      },
    },
    async (request): Promise<RuleVersionDetail> => {
      authorize(ctx.tokens, request, ['viewer']);
      const version = await find(request.params.version);
      return { ...toWireVersion(version), files: { ...version.files } };
    },
  );

  app.get<{ Params: RuleVersionPairParams }>(
    '/v1/rules/versions/:a/diff/:b',
    {
      schema: {
        tags: ['rules'],
        summary: 'What changed from version a to version b, file by file, with both texts',
        security: BEARER,
        params: RuleVersionPairParams,
        response: { 200: RuleVersionDiff, ...errorResponses(...PROTECTED_ERRORS, 404) },
      },
    },
    async (request): Promise<RuleVersionDiff> => {
      authorize(ctx.tokens, request, ['viewer']);
      const [a, b] = [await find(request.params.a), await find(request.params.b)];
      return { files: diffRuleFiles(a.files, b.files) };
    },
  );
}
