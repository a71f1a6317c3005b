/**
 * The one way pages talk to the server: openapi-fetch over the types generated from the server's own OpenAPI
 * document (schema.d.ts, `npm run generate-api -w @licensor/web`). Same origin, cookies, CSRF on writes;
 * a refusal becomes an ApiError carrying the server's error code, which the notifications translate.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

/** Each portal has its own session and CSRF token (vendor cabinet, partner portal, customer cabinet). */
const csrf: Record<string, string> = {};

export function rememberCsrf(portal: string, token: string): void {
  csrf[portal] = token;
}

function portalOf(path: string): string {
  if (path.startsWith('/v1/partner/')) return 'partner';
  if (path.startsWith('/v1/customer/')) return 'customer';
  return 'vendor';
}

/** The typed client: `api.GET('/v1/keys/{id}', { params: { path: { id } } })`; pass its answer to `ok`. */
export const api = createClient<paths>({ credentials: 'same-origin' });

api.use({
  onRequest({ request, schemaPath }) {
    if (request.method !== 'GET') request.headers.set('x-csrf-token', csrf[portalOf(schemaPath)] ?? '');
    return request;
  },
});

/** The server's error body (`{ error: { code, message, details } }`), as every route declares it. */
type ErrorBody = components['schemas']['def-0'];

/** An openapi-fetch answer's data, or its refusal thrown as an ApiError (what the pages' notifications read). */
export async function ok<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) {
    const body = (typeof error === 'object' ? error : null) as Partial<ErrorBody> | null;
    throw new ApiError(
      response.status,
      body?.error?.code ?? 'HTTP_ERROR',
      body?.error?.message ?? response.statusText,
      body?.error?.details ?? [],
    );
  }
  return data as T;
}

type Method = 'get' | 'post' | 'patch' | 'delete';
type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;

/** What a route answers on success (its 200 or 201 JSON body): `Answer<'/v1/keys/{id}'>`. */
export type Answer<P extends keyof paths, M extends Method = 'get'> = paths[P][M] extends {
  responses: infer R;
}
  ? JsonOf<R[200 & keyof R]> | JsonOf<R[201 & keyof R]>
  : never;

/** One item of a listing route's `data`: `Item<'/v1/customers'>`. */
export type Item<P extends keyof paths> = Answer<P> extends { data: (infer T)[] } ? T : never;

/** The JSON body a route takes: `Body<'/v1/customers', 'post'>`. */
export type Body<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer T } };
}
  ? T
  : never;

/** The query parameters a route takes: `Query<'/v1/coupons'>`. */
export type Query<P extends keyof paths, M extends Method = 'get'> = paths[P][M] extends {
  parameters: { query?: infer Q };
}
  ? NonNullable<Q>
  : never;

/** Offers text as a file download (license files, request files, CSV). */
export function download(fileName: string, content: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}
