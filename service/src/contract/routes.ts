import { createRoute, z } from '@hono/zod-openapi';
import { BODY_ERRORS, errorAnswers, jsonAnswer, jsonRequest, SIGNED_IN_CODES } from './responses';
import { credentialsSchema, refreshRequestSchema, registrationSchema, sessionSchema } from '../auth/schemas';
import { readJsonBody, singleValuedQuery } from '../http/json-body';
import { validMemoryId } from '../http/path-ids';
import {
  categoryListSchema,
  listQuerySchema,
  memoryChangeSchema,
  memoryIdParams,
  memoryPageSchema,
  memorySchema,
  newMemorySchema,
} from '../memories/memory';

/**
 * The API contract: every route with its request and its answers, declared once. The routes
 * are registered from these definitions (`app.openapi(route, handler)`), which validate the
 * requests, type the handlers' answers and make the OpenAPI document (`document.ts`).
 */

/** The scheme of every signed-in route: the access token a session gives. */
export const BEARER_AUTH = 'bearerAuth';
const signedIn = [{ [BEARER_AUTH]: [] }];

export const healthSchema = z
  .strictObject({
    status: z.literal('ok'),
    version: z.string().openapi({ description: 'the release serving the request' }),
    environment: z.string(),
  })
  .openapi('Health');

export type Health = z.output<typeof healthSchema>;

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['health'],
  summary: 'Whether the API answers, and which release and environment answer',
  responses: { 200: jsonAnswer(healthSchema, 'the API answers') },
});

const register = createRoute({
  method: 'post',
  path: '/register',
  tags: ['auth'],
  summary: 'Create an account and sign in',
  middleware: [readJsonBody] as const,
  request: { body: jsonRequest(registrationSchema) },
  responses: {
    201: jsonAnswer(sessionSchema, 'the account exists and is signed in'),
    ...errorAnswers([...BODY_ERRORS, 409, 429], { 400: ['invalid_json'], 409: ['email_taken'] }),
  },
});

const login = createRoute({
  method: 'post',
  path: '/login',
  tags: ['auth'],
  summary: 'Sign in with an email and a password',
  middleware: [readJsonBody] as const,
  request: { body: jsonRequest(credentialsSchema) },
  responses: {
    200: jsonAnswer(sessionSchema, 'signed in'),
    ...errorAnswers([...BODY_ERRORS, 401, 429], { 400: ['invalid_json'], 401: ['invalid_credentials'] }),
  },
});

const refresh = createRoute({
  method: 'post',
  path: '/refresh',
  tags: ['auth'],
  summary: 'Trade a refresh token for a new session (the token is used up)',
  middleware: [readJsonBody] as const,
  request: { body: jsonRequest(refreshRequestSchema) },
  responses: {
    200: jsonAnswer(sessionSchema, 'a new session, with a new refresh token'),
    ...errorAnswers([...BODY_ERRORS, 401, 429], {
      400: ['invalid_json'],
      401: ['invalid_refresh_token', 'refresh_token_reused'],
    }),
  },
});

const logout = createRoute({
  method: 'post',
  path: '/logout',
  tags: ['auth'],
  summary: "End a refresh token's sign-in",
  middleware: [readJsonBody] as const,
  request: { body: jsonRequest(refreshRequestSchema) },
  responses: {
    204: { description: 'signed out (also when the token was already unknown)' },
    ...errorAnswers([...BODY_ERRORS, 429], { 400: ['invalid_json'] }),
  },
});

const listMemories = createRoute({
  method: 'get',
  path: '/',
  tags: ['memories'],
  summary: "The signed-in user's memories, newest first, a page at a time",
  security: signedIn,
  middleware: [singleValuedQuery] as const,
  request: { query: listQuerySchema },
  responses: {
    200: jsonAnswer(memoryPageSchema, 'one page of memories'),
    ...errorAnswers([400, 401, 429], { 400: ['invalid_cursor'], 401: SIGNED_IN_CODES }),
  },
});

const createMemory = createRoute({
  method: 'post',
  path: '/',
  tags: ['memories'],
  summary: 'Keep a new memory',
  security: signedIn,
  middleware: [readJsonBody] as const,
  request: { body: jsonRequest(newMemorySchema) },
  responses: {
    201: jsonAnswer(memorySchema, 'the memory, as kept'),
    ...errorAnswers([...BODY_ERRORS, 401, 409, 429], {
      400: ['invalid_json'],
      401: SIGNED_IN_CODES,
      409: ['conflict'],
    }),
  },
});

const getMemory = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['memories'],
  summary: 'One memory',
  security: signedIn,
  middleware: [validMemoryId] as const,
  request: { params: memoryIdParams },
  responses: {
    200: jsonAnswer(memorySchema, 'the memory'),
    ...errorAnswers([400, 401, 404, 429], { 400: ['invalid_id'], 401: SIGNED_IN_CODES }),
  },
});

const changeMemory = createRoute({
  method: 'patch',
  path: '/{id}',
  tags: ['memories'],
  summary: "Change a memory's text, category or both",
  security: signedIn,
  middleware: [validMemoryId, readJsonBody] as const,
  request: { params: memoryIdParams, body: jsonRequest(memoryChangeSchema) },
  responses: {
    200: jsonAnswer(memorySchema, 'the memory, changed'),
    ...errorAnswers([...BODY_ERRORS, 401, 404, 409, 429], {
      400: ['invalid_json', 'invalid_id'],
      401: SIGNED_IN_CODES,
      409: ['conflict'],
    }),
  },
});

const deleteMemory = createRoute({
  method: 'delete',
  path: '/{id}',
  tags: ['memories'],
  summary: 'Forget a memory',
  security: signedIn,
  middleware: [validMemoryId] as const,
  request: { params: memoryIdParams },
  responses: {
    204: { description: 'the memory is gone' },
    ...errorAnswers([400, 401, 404, 409, 429], { 400: ['invalid_id'], 401: SIGNED_IN_CODES, 409: ['conflict'] }),
  },
});

const listCategories = createRoute({
  method: 'get',
  path: '/',
  tags: ['memories'],
  summary: "The signed-in user's categories, each with how many memories it holds",
  security: signedIn,
  responses: {
    200: jsonAnswer(categoryListSchema, 'the categories'),
    ...errorAnswers([401, 429], { 401: SIGNED_IN_CODES }),
  },
});

/** The routes, by the path their group is mounted at (each group is one Hono app in `app.ts`). */
export const API_ROUTES = {
  '': { health },
  '/auth': { register, login, refresh, logout },
  '/memories': { listMemories, createMemory, getMemory, changeMemory, deleteMemory },
  '/categories': { listCategories },
} as const;

export const ROUTES = {
  ...API_ROUTES[''],
  ...API_ROUTES['/auth'],
  ...API_ROUTES['/memories'],
  ...API_ROUTES['/categories'],
};
