// "AI Studio": a product that licenses itself with @licensor/sdk, the way seeds 000 and 001 describe.
import http from 'node:http';
import path from 'node:path';
import { createLicenseRequest, LicenseError, LicenseManager } from '@licensor/sdk';
import { JsonFileStorage } from '@licensor/sdk/node';
import { PAGE } from './page.js';

const PRODUCT = 'aistudio';

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type });
  res.end(type === 'application/json' ? JSON.stringify(body) : body);
}

async function readJson(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return raw ? JSON.parse(raw) : {};
}

/**
 * Starts the product. `publicKeys` are the vendor's published signing keys; `clock` lets a test move
 * time; `installationId` identifies this deployment in license requests and files.
 */
export async function startAiServer({
  port = 0,
  dataDir,
  vendor,
  publicKeys,
  installationId,
  clock = () => new Date(),
}) {
  const manager = await new LicenseManager({
    vendor,
    product: PRODUCT,
    installationId,
    publicKeys,
    storage: new JsonFileStorage(path.join(dataDir, 'licenses.json')),
    clock,
  }).load();

  const routes = {
    'GET /': () => [200, PAGE, 'text/html; charset=utf-8'],
    'GET /api/state': () => [
      200,
      {
        installationId,
        licenses: manager.list(),
        agents: manager.agents().map((agent) => ({
          ...agent,
          canConverse: manager.can('converse', { agent: agent.id, tenant: agent.tenant }),
        })),
        canManage: manager.can('manage'),
        canBuild: manager.can('build'),
        reminders: manager.reminders(clock()),
      },
    ],
    'POST /api/license-request': (body) => [
      200,
      createLicenseRequest({
        product: PRODUCT,
        installationId,
        startsAt: body.startsAt,
        period: body.period,
        tenant: body.tenant,
      }),
    ],
    'POST /api/licenses': async (body) => [200, { reports: await manager.import(body.files ?? []) }],
    'POST /api/licenses/issue-to-tenant': async (body) => {
      await manager.issueToTenant(body.licenseId, body.tenant);
      return [200, { ok: true }];
    },
    'POST /api/licenses/bind': async (body) => {
      await manager.bindAgent(body.licenseId, body.agentId);
      return [200, { ok: true }];
    },
    'POST /api/agents': async (body) => [201, await manager.createAgent(body.id, body.tenant)],
    'POST /api/agents/delete': async (body) => {
      await manager.deleteAgent(body.id);
      return [200, { ok: true }];
    },
    // What the product enforces: flows need the platform license, agent messaging the agent's own.
    'POST /api/flows': () =>
      manager.can('build')
        ? [200, { saved: true }]
        : [403, { error: 'PLATFORM_LICENSE_REQUIRED', message: 'Renew the platform license' }],
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      const agentMessage = /^\/api\/agents\/([^/]+)\/messages$/.exec(url.pathname);
      if (req.method === 'POST' && agentMessage) {
        const agent = decodeURIComponent(agentMessage[1]);
        if (!manager.can('converse', { agent }))
          return send(res, 403, {
            error: 'AGENT_LICENSE_REQUIRED',
            message: `agent ${agent} is not licensed`,
          });
        const { text } = await readJson(req);
        return send(res, 200, { reply: `${agent} heard: ${text ?? ''}` });
      }
      const route = routes[`${req.method} ${url.pathname}`];
      if (!route) return send(res, 404, { error: 'NOT_FOUND' });
      const [status, body, type] = await route(req.method === 'POST' ? await readJson(req) : {});
      return send(res, status, body, type);
    } catch (error) {
      if (error instanceof LicenseError) return send(res, 409, { error: error.code, message: error.message });
      return send(res, 400, { error: 'BAD_REQUEST', message: error.message });
    }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    manager,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
