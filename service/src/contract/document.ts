import { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import { mergePath } from 'hono/utils/url';
import { API_ROUTES, BEARER_AUTH } from './routes';

/** Where every release serves its contract, and where the docs page reads it. */
export const CONTRACT_PATH = '/openapi.json';

export type ApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

/** A route as the document states it: its middleware reads the request, which is code, not contract. */
function operation({ middleware, ...route }: RouteConfig): Omit<RouteConfig, 'middleware'> {
  void middleware;
  return route;
}

/**
 * The API's OpenAPI 3.1 document, made from the route definitions the app registers. `version`
 * is the release's (the document describes what that release serves).
 */
export function apiDocument(version: string): ApiDocument {
  const contract = new OpenAPIHono();
  contract.openAPIRegistry.registerComponent('securitySchemes', BEARER_AUTH, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'the `accessToken` of a session (`POST /auth/login` or `/auth/register`)',
  });
  for (const [prefix, routes] of Object.entries(API_ROUTES)) {
    for (const route of Object.values(routes) as RouteConfig[]) {
      // The path as the app serves it: `/memories` + `/` is `/memories`, as Hono mounts it.
      contract.openAPIRegistry.registerPath({ ...operation(route), path: mergePath(prefix || '/', route.path) });
    }
  }
  return contract.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'B2 API',
      version,
      description:
        'Memories: short notes a signed-in user keeps, in categories, searched and listed newest first. ' +
        'Every error answers `{ "error": { "code", "message" } }`.',
    },
  });
}
