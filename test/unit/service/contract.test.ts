import { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiDocument, ApiDocument, CONTRACT_PATH } from '../../../service/src/contract/document';
import { BEARER_AUTH } from '../../../service/src/contract/routes';
import { useDynamoDbLocal } from '../../harness/dynamodb-local';
import { testApp } from '../../harness/service-app';

const dynamodb = useDynamoDbLocal();

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** `GET /memories/:id` for each route an app answers (middleware and the document itself aside). */
function servedRoutes(app: Hono): Set<string> {
  return new Set(
    app.routes
      .filter((route) => route.method !== 'ALL' && route.path !== CONTRACT_PATH)
      .map((route) => `${route.method} ${route.path}`),
  );
}

/** The same, for each operation of a document (`{id}` written as Hono writes it). */
function documentedRoutes(document: ApiDocument): Set<string> {
  return new Set(
    Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      METHODS.filter((method) => item?.[method]).map(
        (method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
      ),
    ),
  );
}

/** What an app serves that the document does not state, and what the document states that it does not serve. */
function contractGaps(app: Hono, document: ApiDocument): { undocumented: string[]; unserved: string[] } {
  const served = servedRoutes(app);
  const documented = documentedRoutes(document);
  return {
    undocumented: [...served].filter((route) => !documented.has(route)),
    unserved: [...documented].filter((route) => !served.has(route)),
  };
}

describe('the API contract', () => {
  let app: Hono;
  let document: ApiDocument;

  beforeAll(async () => {
    app = testApp({ db: dynamodb.db, table: await dynamodb.newTable() }) as unknown as Hono;
    document = apiDocument('test-commit');
  });

  it('states every route the app serves, and serves every route it states', () => {
    expect(contractGaps(app, document)).toEqual({ undocumented: [], unserved: [] });
    expect(documentedRoutes(document).size).toBe(11);
  });

  it('finds a route the app serves outside the contract', () => {
    const withExtra = new OpenAPIHono();
    withExtra.route('/', app);
    withExtra.get('/memories/export', (c) => c.json({}));
    expect(contractGaps(withExtra as unknown as Hono, document).undocumented).toEqual(['GET /memories/export']);
  });

  it('is served by the release at /openapi.json as OpenAPI 3.1, naming the release', async () => {
    const res = await app.request(CONTRACT_PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const served = (await res.json()) as ApiDocument;
    expect(served.openapi).toBe('3.1.0');
    expect(served.info.version).toBe('test-commit');
    expect(served).toEqual(document);
  });

  it('asks for the bearer token on every route but health and auth, and states the scheme', () => {
    expect(document.components?.securitySchemes?.[BEARER_AUTH]).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of METHODS.filter((m) => item?.[m])) {
        const security = item?.[method]?.security;
        if (path === '/health' || path.startsWith('/auth/')) expect(security, `${method} ${path}`).toBeUndefined();
        else expect(security, `${method} ${path}`).toEqual([{ [BEARER_AUTH]: [] }]);
      }
    }
  });

  it('answers every error of every route with the one error shape, and 401 on every signed-in route', () => {
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of METHODS.filter((m) => item?.[m])) {
        const operation = item?.[method];
        const statuses = Object.keys(operation?.responses ?? {}).map(Number);
        for (const status of statuses.filter((s) => s >= 400)) {
          expect(operation?.responses?.[status], `${method} ${path} ${status}`).toMatchObject({
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          });
        }
        if (operation?.security) expect(statuses, `${method} ${path}`).toContain(401);
        if (operation?.requestBody) {
          expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining([400, 413, 415]));
        }
      }
    }
  });

  it("states the error codes a client can act on, and every answer's fields strictly", () => {
    const schemas = document.components?.schemas ?? {};
    expect(schemas.Error).toMatchObject({ required: ['error'], additionalProperties: false });
    expect(JSON.stringify(schemas.Error)).toContain('email_taken');
    for (const name of ['Memory', 'MemoryPage', 'Session', 'CategoryList', 'Health']) {
      expect(schemas[name], name).toMatchObject({ type: 'object', additionalProperties: false });
    }
  });
});
