/** Builds what the scenarios need through the management and app APIs of a running server. */
export async function prepare(url, token) {
  const call = async (method, path, body, auth = true) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body ?? {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return { body: text ? JSON.parse(text) : null, headers: response.headers, text };
  };
  const product = (await call('POST', '/v1/products', { code: 'bench', name: 'Bench' })).body;
  const seat = (
    await call('POST', '/v1/license-types', {
      productId: product.id,
      name: 'Seat',
      scope: 'seat',
      mode: 'subscription',
      term: { unit: 'year', count: 1 },
      maxSeats: 10,
      capabilities: ['run', 'export'],
    })
  ).body;
  const floating = (
    await call('POST', '/v1/license-types', {
      productId: product.id,
      name: 'Floating',
      scope: 'floating',
      mode: 'subscription',
      term: { unit: 'year', count: 1 },
      maxSessions: 10,
      heartbeatSeconds: 3600,
      capabilities: [],
    })
  ).body;
  const customer = (await call('POST', '/v1/customers', { name: 'Bench customer' })).body;
  const key = (await call('POST', '/v1/keys', { customerId: customer.id })).body;
  await call('POST', `/v1/keys/${key.id}/licenses`, { licenseTypeId: seat.id });
  await call('POST', `/v1/keys/${key.id}/licenses`, { licenseTypeId: floating.id });
  const resource = { kind: 'machine', id: 'bench-pc-1', name: 'Bench PC' };
  await call('POST', '/v1/activate', { key: key.key, product: 'bench', resource }, false);
  const session = (await call('POST', '/v1/sessions', { key: key.key, product: 'bench', resource }, false))
    .body;

  const validateBody = { key: key.key, product: 'bench', fingerprint: 'bench-pc-1' };
  const sample = await call('POST', '/v1/validate', validateBody, false);
  if (sample.body.code !== 'VALID' || !sample.headers.get('licensor-signature')) {
    throw new Error(`the sample validation is not a signed VALID answer: ${sample.text}`);
  }
  return {
    answerSize: sample.text.length,
    keyId: key.id,
    scenarios: {
      validate: { path: '/v1/validate', body: validateBody },
      activate: { path: '/v1/activate', body: { key: key.key, product: 'bench', resource } },
      heartbeat: { path: `/v1/sessions/${session.id}/heartbeat`, body: {} },
    },
  };
}
