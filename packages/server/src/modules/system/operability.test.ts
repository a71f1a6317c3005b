import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe('operability', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(() => server.close());

  it('publishes an OpenAPI 3.1 document built from the route schemas, with interactive docs', async () => {
    const doc = (await server.anon.get('/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/validate',
      '/v1/activate',
      '/v1/sessions/{id}/heartbeat',
      '/v1/keys/{id}',
      '/v1/license-types',
      '/v1/events',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const validateBody = doc.paths['/v1/validate'].post.requestBody.content['application/json'].schema;
    expect(validateBody.required).toEqual(['key', 'product']);
    const docs = await server.anon.get('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger');
  });

  it('answers health and readiness', async () => {
    expect((await server.anon.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await server.anon.get('/readyz')).body).toEqual({ status: 'ready' });
  });

  it('exports request latency by route and validations by code to Prometheus', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    await server.anon.post('/v1/validate', { key: licensed.key, product: licensed.productCode });
    await server.anon.post('/v1/validate', { key: licensed.key, product: 'other' });
    const metrics = (await server.anon.get('/metrics')).text;
    expect(metrics).toMatch(/licensor_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/validate"/);
    expect(metrics).toMatch(/licensor_validations_total\{code="VALID"\} 1/);
    expect(metrics).toMatch(/licensor_validations_total\{code="PRODUCT_NOT_LICENSED"\} 1/);
  });

  it('answers unknown API routes with a JSON 404', async () => {
    const response = await server.anon.get('/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('sends security headers on API answers and pages alike', async () => {
    for (const path of ['/v1/products', '/healthz', '/docs/']) {
      const response = await server.anon.get(path);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
  });

  it('sends an application only the headers a JSON client heeds: no sniffing, no other origin', async () => {
    const response = await server.anon.post('/v1/validate', { key: 'ABCD-0000', product: 'none' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(response.headers.get('content-security-policy')).toBeNull();
  });

  it('lets a browser app on another origin call the app API and read its signature, and nothing else', async () => {
    const preflight = (path: string) =>
      fetch(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.vendor.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, licensor-accept-signature',
        },
      });
    for (const path of ['/v1/validate', '/v1/sessions/s-1/heartbeat', '/v1/coupons/redeem']) {
      const asked = await preflight(path);
      expect(asked.status, path).toBe(204);
      expect(asked.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(asked.headers.get('access-control-allow-headers'), path).toContain('licensor-accept-signature');
    }
    const answered = await server.anon.post('/v1/validate', { key: 'ABCD-0000', product: 'none' });
    expect(answered.headers.get('access-control-allow-origin')).toBe('*');
    expect(answered.headers.get('access-control-expose-headers')).toContain('licensor-signature');
    // Refusals too, so the app can read why.
    const refused = await server.anon.post('/v1/validate', { key: 7 });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');

    // A URL refused before any route is reached (not valid percent-encoding) is still readable on an app path.
    const badPath = await server.anon.post('/v1/sessions/%ff/heartbeat', {});
    expect(badPath.status).toBe(400);
    expect(badPath.headers.get('access-control-allow-origin')).toBe('*');
    expect(
      (await server.anon.get('/v1/customers/%ff')).headers.get('access-control-allow-origin'),
    ).toBeNull();

    // The management API answers only its own origin (its cookie and tokens are not for other sites).
    expect((await preflight('/v1/customers')).headers.get('access-control-allow-origin')).toBeNull();
    const listed = await server.api.withHeaders({ origin: 'https://app.vendor.test' }).get('/v1/customers');
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves /metrics to this machine, or to whoever has METRICS_TOKEN', async () => {
    expect((await server.anon.get('/metrics')).status).toBe(200);
    expect((await server.anon.withHeaders({ 'x-forwarded-for': '203.0.113.9' }).get('/metrics')).status).toBe(
      403,
    );
    const guarded = await startTestServer('sqlite', { config: { metricsToken: 'scrape-secret-1' } });
    try {
      expect((await guarded.anon.get('/metrics')).status).toBe(401);
      expect((await guarded.anon.withToken('wrong').get('/metrics')).status).toBe(401);
      expect((await guarded.anon.withToken('scrape-secret-1').get('/metrics')).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
