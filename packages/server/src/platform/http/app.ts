import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyRequest, LogController } from 'fastify';
import { sql } from 'kysely';
import { authenticate } from '../auth/authenticate.js';
import { assertRole } from '../auth/roles.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { clientAddress } from './client-address.js';
import { type DirectLane, type DirectRoute, installDirectLane } from './direct-lane/index.js';
import { errorAnswer, handleError } from './error-handler.js';
import { assertMetricsAccess, Metrics } from './metrics.js';
import { nulPath } from './nul-bytes.js';
import { hasInvalidQueryEncoding } from './query-encoding.js';
import { ErrorBody } from './schemas.js';
import { securityHeaders } from './security-headers.js';
import type { Api, RouteModule } from './types.js';
import { validatorCompiler } from './validator.js';

export interface AppModules {
  /** Routes anyone may call (login, the app API, public keys). */
  readonly publicRoutes: readonly RouteModule[];
  /** Routes behind a staff session or API token. */
  readonly managementRoutes: readonly RouteModule[];
  /** Routes that also need the metrics (the app API counts validations). */
  readonly instrumentedRoutes: readonly ((app: Api, ctx: AppContext, metrics: Metrics) => void)[];
}

/** No body, an empty one, or `{}`: what a client sends to an action that takes nothing. */
const isEmptyBody = (body: unknown): boolean =>
  body === undefined ||
  body === null ||
  body === '' ||
  (typeof body === 'object' && !Array.isArray(body) && Object.keys(body as object).length === 0);

const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../web/dist');

/** Cross-origin reads of the app API: any origin (no credentials travel), and the signature header is readable. */
const APP_CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'licensor-signature, retry-after',
};
/** A browser's preflight of an app call: JSON bodies and the SDK's `Licensor-Accept-Signature`, for a day. */
const APP_PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'GET, POST, DELETE',
  'access-control-allow-headers': 'content-type, licensor-accept-signature',
  'access-control-max-age': '86400',
};

/** Matches a URL of any of these route paths (`/v1/sessions/:id` → `/v1/sessions/<anything but a slash>`). */
function urlPattern(paths: readonly string[]): RegExp {
  const pathPattern = (route: string) =>
    route
      .split('/')
      .map((segment) =>
        segment.startsWith(':') ? '[^/?#]*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/');
  return new RegExp(`^(?:${paths.map(pathPattern).join('|')})(?:[?#]|$)`);
}

/** What every request's input must be beyond its route's schema: the first problem found, if any. */
function inputProblem(request: FastifyRequest): AppError | undefined {
  if (hasInvalidQueryEncoding(request.url))
    return new AppError('BAD_REQUEST', 'the query string is not valid UTF-8', [
      { path: 'querystring', message: 'percent-encodes bytes that are not UTF-8' },
    ]);
  const takesBody = request.routeOptions.schema?.body !== undefined;
  // A body sent to a route that takes none is a client's mistake, not something to ignore silently.
  if (!takesBody && !isEmptyBody(request.body))
    return new AppError('VALIDATION_FAILED', `${request.method} ${request.routeOptions.url} takes no body`, [
      { path: 'body', message: 'must be empty' },
    ]);
  // An action without a body (`POST /v1/licenses/{id}/actions/suspend`) means an empty JSON object.
  if (request.body === undefined && request.method !== 'GET' && request.method !== 'DELETE')
    request.body = {};
  const nul =
    nulPath(request.params, 'params') ??
    nulPath(request.query, 'querystring') ??
    nulPath(request.body, 'body');
  if (nul)
    return new AppError('VALIDATION_FAILED', 'text may not contain the NUL character (U+0000)', [
      { path: nul, message: 'contains U+0000' },
    ]);
  return undefined;
}

/** Builds the HTTP app: platform plugins first, then each module's routes, then the web cabinet. */
export async function buildApp(
  ctx: AppContext,
  modules: AppModules,
  logger: FastifyBaseLogger | boolean = false,
): Promise<Api> {
  const app = Fastify({
    ...(typeof logger === 'boolean' ? { logger } : { loggerInstance: logger }),
    bodyLimit: ctx.config.bodyLimit,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
    // Per-request info lines would cost more than a validation; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Fastify's own refusals (a path that is not valid percent-encoded UTF-8) in our error shape; on an app path
    // with the app API's headers, since no route (and so no onRequest hook) was reached to add them.
    frameworkErrors: (error, request, reply) => {
      if (isAppUrl(request.url)) reply.headers(appHeaders);
      return handleError(error, request, reply);
    },
    trustProxy: ctx.config.trustProxy,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as Api;

  const metrics = new Metrics();
  app.setErrorHandler(handleError);
  app.setValidatorCompiler(validatorCompiler);
  // JSON must be valid UTF-8: the default parser would turn bad bytes into U+FFFD and store them.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (!isUtf8(body as Buffer)) {
      done(new AppError('MALFORMED_JSON', 'the body is not valid UTF-8'), undefined);
      return;
    }
    parseJson(request, (body as Buffer).toString('utf8'), done);
  });
  // Callback hooks, not async ones: they run on every request, and a promise each is measurable there.
  app.addHook('preValidation', (request, _reply, done) => done(inputProblem(request)));
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestDuration.observe(
      { method: request.method, route, status: reply.statusCode },
      reply.elapsedTime / 1000,
    );
    done();
  });

  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  const headers = securityHeaders({
    // Pages load only our own scripts; Mantine sets styles inline. No page may be framed (clickjacking).
    contentSecurityPolicy: {
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        // Upgrading would break a plain-http installation on a LAN; PUBLIC_URL on https gets it.
        'upgrade-insecure-requests': ctx.config.publicUrl.startsWith('https:') ? [] : null,
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: ctx.config.publicUrl.startsWith('https:'),
  });
  // An application reading a signed JSON answer heeds none of the page policies (framing, scripts, referrers),
  // and may be a vendor's web app on any origin (the SDK verifies with WebCrypto): the app API carries its key in
  // the body, never a cookie, so any origin may call it and read the signature. It must still not be sniffed.
  const appHeaders = {
    'x-content-type-options': headers['x-content-type-options'],
    // Only CORS reads: a `<script>` or `<img>` of another origin still gets nothing.
    'cross-origin-resource-policy': headers['cross-origin-resource-policy'],
    ...APP_CORS_HEADERS,
  };
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.routeOptions.config.forApps ? appHeaders : headers);
    done();
  });
  // The app API's paths, each answered on OPTIONS once every route is known (a browser's CORS preflight).
  const appPaths = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (route.config?.forApps && route.method !== 'OPTIONS') appPaths.add(route.url);
  });
  // Routes answered by the direct lane too; it takes the server's connections once every route is known.
  const directRoutes: DirectRoute[] = [];
  app.addHook('onRoute', (route) => {
    const answer = route.config?.direct;
    if (!answer) return;
    if (route.method !== 'POST' || !route.schema?.body)
      throw new Error(`${route.url}: the direct lane serves POST routes with a body schema`);
    const validate = validatorCompiler({
      schema: route.schema.body as object,
      method: route.method,
      url: route.url,
      httpPart: 'body',
    });
    directRoutes.push({
      method: 'POST',
      url: route.url,
      validate: (body) => validate(body) === true,
      answer,
    });
  });
  let directLane: DirectLane | undefined;
  app.addHook('onReady', (done) => {
    if (directRoutes.length > 0)
      directLane = installDirectLane(app.server, directRoutes, {
        bodyLimit: ctx.config.bodyLimit,
        parseJson: (text) => {
          let parsed: unknown;
          parseJson(undefined as never, text, (error, value) => {
            parsed = error ? undefined : value;
          });
          return parsed;
        },
        bodyProblem: (body) => {
          try {
            return nulPath(body, 'body');
          } catch (error) {
            return error;
          }
        },
        headers: appHeaders,
        clientAddress: clientAddress(ctx.config.trustProxy),
        answerError: (error) => errorAnswer(error, app.log),
        answered: (route, status, seconds) => {
          metrics.requestDuration.observe({ method: route.method, route: route.url, status }, seconds);
          metrics.directLane.inc({ outcome: 'answered' });
        },
        handedOn: () => metrics.directLane.inc({ outcome: 'handed_on' }),
      });
    done();
  });
  app.addHook('preClose', (done) => {
    directLane?.close();
    done();
  });
  let appUrlPattern: RegExp | undefined;
  const isAppUrl = (url: string) => {
    appUrlPattern ??= urlPattern([...appPaths]);
    return appUrlPattern.test(url);
  };
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Licensor API',
        version: '1.0.0',
        description: 'Management API and the app API of Licensor.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'licensor_session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
  });
  // The API explorer's page carries inline script; the plugin lets exactly it through our CSP.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) => `${header}; frame-ancestors 'none'; object-src 'none'`,
  });
  app.addSchema(ErrorBody);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'The process is up' } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { schema: { tags: ['ops'], summary: 'The database answers' } },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(ctx.handle.db);
        return { status: 'ready' };
      } catch {
        return reply
          .status(503)
          .send({ error: { code: 'NOT_READY', message: 'the database does not answer', details: [] } });
      }
    },
  );
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    assertMetricsAccess(request, ctx.config.metricsToken);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  for (const routes of modules.publicRoutes) routes(app, ctx);
  for (const routes of modules.instrumentedRoutes) routes(app, ctx, metrics);
  for (const url of [...appPaths])
    app.options(url, { schema: { hide: true }, config: { forApps: true } }, (_request, reply) =>
      reply.code(204).headers(APP_PREFLIGHT_HEADERS).send(),
    );
  await app.register(async (scope) => {
    scope.decorateRequest('principal', null as never);
    scope.addHook('onRequest', async (request) => {
      request.principal = await authenticate(ctx, request);
      // Support staff read; every write needs at least a manager unless its route says otherwise.
      if (request.method !== 'GET' && request.method !== 'HEAD')
        assertRole(request.principal.role, request.routeOptions.config.minRole ?? 'manager');
    });
    for (const routes of modules.managementRoutes) routes(scope as Api, ctx);
  });

  const webBuilt = ctx.config.serveWeb && fs.existsSync(path.join(WEB_DIST, 'index.html'));
  if (webBuilt) await app.register(fastifyStatic, { root: WEB_DIST, wildcard: false });
  app.setNotFoundHandler((request, reply) => {
    const isPage = request.method === 'GET' && !request.url.startsWith('/v1/') && webBuilt;
    if (isPage) return reply.type('text/html').sendFile('index.html');
    return reply.status(404).send({
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0]}`,
        details: [],
      },
    });
  });
  return app;
}
