// GET /openapi.json, the public contract's discovery document: well-formed OpenAPI 3, public, and
// describing every /v1 route the app registers with a response schema for its success. The routes
// are collected as fastify registers them, independently of the document.
import diagnostics from 'node:diagnostics_channel';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../../package.json' with { type: 'json' };
import type { App } from '../../src/app.ts';
import { buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Operation {
  responses?: Record<string, { description?: unknown; content?: Record<string, { schema?: unknown }> }>;
  parameters?: { name: string; in: string; required?: boolean }[];
  operationId?: string;
}

interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
}

/** `/v1/alerts/:id/ack` → `/v1/alerts/{id}/ack`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Every `$ref` in the document, for resolving. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, found);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  return found;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

// A success reply is documented by its body's schema; a 204 has no body, only its description.
const documentedSuccess = (operation: Operation | undefined) =>
  Object.entries(operation?.responses ?? {}).some(
    ([status, response]) =>
      (/^2\d\d$/.test(status) && Object.values(response.content ?? {}).some((media) => media.schema)) ||
      (status === '204' && typeof response.description === 'string' && response.content === undefined),
  );

describe('GET /openapi.json', () => {
  let store: TestDatabase;
  let app: App;
  const routes: { method: string; url: string }[] = [];
  const collect = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat())
        routes.push({ method: method.toLowerCase(), url: route.url });
    });
  };
  let doc: Document;

  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    // Fastify announces each new instance before any plugin or route is added to it.
    diagnostics.subscribe('fastify.initialization', collect);
    try {
      app = await buildTestApp(store.db);
    } finally {
      diagnostics.unsubscribe('fastify.initialization', collect);
    }
    const res = await app.server.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.json();
  });
  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  it('is an OpenAPI 3 document naming the package, served without a token', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: pkg.name, version: pkg.version });
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
  });

  it('is well formed: responses described, path parameters declared, references resolved', () => {
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path).toMatch(/^\//);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const where = `${method.toUpperCase()} ${path}`;
        expect(Object.keys(operation.responses ?? {}), where).not.toHaveLength(0);
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          expect(status, where).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
          expect(typeof response.description, `${where} ${status}`).toBe('string');
        }
        const inPath = (operation.parameters ?? []).filter((p) => p.in === 'path');
        expect(inPath.map((p) => p.name).sort(), where).toEqual([...templated].sort());
        for (const p of inPath) expect(p.required, `${where} ${p.name}`).toBe(true);
        if (operation.operationId) {
          expect(operationIds.has(operation.operationId), operation.operationId).toBe(false);
          operationIds.add(operation.operationId);
        }
      }
    }
    for (const ref of refs(doc)) {
      expect(ref, ref).toMatch(/^#\//);
      expect(resolvePointer(doc, ref), ref).toBeDefined();
    }
  });

  it('describes every /v1 route with a schema for its success reply', () => {
    const v1 = routes.filter((r) => r.url.startsWith('/v1/') && r.method !== 'head');
    expect(v1.length).toBeGreaterThan(10);
    const undocumented = v1
      .filter(
        (r) => !documentedSuccess(doc.paths[openApiPath(r.url)]?.[r.method as (typeof METHODS)[number]]),
      )
      .map((r) => `${r.method.toUpperCase()} ${r.url}`);
    expect(undocumented).toEqual([]);
  });

  it('says a body that may be left out is optional', () => {
    const ack = doc.paths['/v1/alerts/{id}/ack']?.post as
      | { requestBody?: { required?: boolean } }
      | undefined;
    expect(ack?.requestBody?.required).toBe(false);
    const silence = doc.paths['/v1/silences']?.post as { requestBody?: { required?: boolean } } | undefined;
    expect(silence?.requestBody?.required).toBe(true);
  });

  it('declares the error body on the routes it documents', () => {
    const alerts = doc.paths['/v1/alerts']?.get;
    expect(alerts?.responses?.['401']?.content?.['application/json']?.schema).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['error', 'message']),
    });
  });
});
