export const MACHINES = 1000;
/** What the SDKs send with every app-API call: they accept the answers of a turn signed as one tree. */
export const SDK_HEADERS = { 'licensor-accept-signature': 'ed25519-tree' };

/**
 * Builds what the scenarios need through the management and app APIs of a running server. A scenario sends
 * its `body` every time, or its `bodies` in turn.
 */
export async function prepare(url, token) {
  const call = async (method, path, body, auth = true, headers = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(auth ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: JSON.stringify(body ?? {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return { body: text ? JSON.parse(text) : null, headers: response.headers, text };
  };
  const product = (await call('POST', '/v1/products', { code: 'bench', name: 'Bench' })).body;
  /** A yearly subscription type of the bench product. */
  const licenseType = async (name, terms) =>
    (
      await call('POST', '/v1/license-types', {
        productId: product.id,
        name,
        mode: 'subscription',
        term: { unit: 'year', count: 1 },
        ...terms,
      })
    ).body;
  const seat = await licenseType('Seat', { scope: 'seat', maxSeats: 10, capabilities: ['run', 'export'] });
  const floating = await licenseType('Floating', {
    scope: 'floating',
    maxSessions: 10,
    heartbeatSeconds: 3600,
    capabilities: [],
  });
  const site = await licenseType('Site', { scope: 'seat', maxSeats: MACHINES, capabilities: ['run'] });
  const customer = (await call('POST', '/v1/customers', { name: 'Bench customer' })).body;
  const key = (await call('POST', '/v1/keys', { customerId: customer.id })).body;
  await call('POST', `/v1/keys/${key.id}/licenses`, { licenseTypeId: seat.id });
  await call('POST', `/v1/keys/${key.id}/licenses`, { licenseTypeId: floating.id });
  const resource = { kind: 'machine', id: 'bench-pc-1', name: 'Bench PC' };
  await call('POST', '/v1/activate', { key: key.key, product: 'bench', resource }, false);
  const session = (await call('POST', '/v1/sessions', { key: key.key, product: 'bench', resource }, false))
    .body;

  // A site of MACHINES machines, each validating in turn: every request asks its own question.
  const siteKey = (await call('POST', '/v1/keys', { customerId: customer.id })).body;
  await call('POST', `/v1/keys/${siteKey.id}/licenses`, { licenseTypeId: site.id });
  const machines = Array.from({ length: MACHINES }, (_, i) => ({ kind: 'machine', id: `site-pc-${i}` }));
  for (let i = 0; i < machines.length; i += 50)
    await Promise.all(
      machines
        .slice(i, i + 50)
        .map((machine) =>
          call('POST', '/v1/activate', { key: siteKey.key, product: 'bench', resource: machine }, false),
        ),
    );

  const lastMachine = await call(
    'POST',
    '/v1/validate',
    { key: siteKey.key, product: 'bench', fingerprint: machines.at(-1).id },
    false,
  );
  if (lastMachine.body.code !== 'VALID') throw new Error(`a site machine is not VALID: ${lastMachine.text}`);

  const validateBody = { key: key.key, product: 'bench', fingerprint: 'bench-pc-1' };
  const sample = await call('POST', '/v1/validate', validateBody, false);
  if (sample.body.code !== 'VALID' || !sample.headers.get('licensor-signature')?.includes('alg="ed25519"')) {
    throw new Error(`the sample validation is not a signed VALID answer: ${sample.text}`);
  }
  const treeSample = await call('POST', '/v1/validate', validateBody, false, SDK_HEADERS);
  if (!treeSample.headers.get('licensor-signature')?.includes('alg="ed25519-tree"'))
    throw new Error('an answer asked as the SDKs ask is not tree-signed');
  return {
    answerSize: sample.text.length,
    keyId: key.id,
    // As the SDKs call, tree-signed; "validate, signed alone" as an app that does not ask (one signature each).
    scenarios: {
      validate: { path: '/v1/validate', body: validateBody, headers: SDK_HEADERS },
      'validate, signed alone': { path: '/v1/validate', body: validateBody, headers: {} },
      [`validate, ${MACHINES} machines`]: {
        path: '/v1/validate',
        bodies: machines.map((machine) => ({ key: siteKey.key, product: 'bench', fingerprint: machine.id })),
        headers: SDK_HEADERS,
      },
      activate: {
        path: '/v1/activate',
        body: { key: key.key, product: 'bench', resource },
        headers: SDK_HEADERS,
      },
      heartbeat: { path: `/v1/sessions/${session.id}/heartbeat`, body: {}, headers: SDK_HEADERS },
    },
  };
}
