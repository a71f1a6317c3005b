import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { listVendorSigningKeys, revokeSigningKey, rotateSigningKey } from './signing-keys.service.js';

const NullableString = Type.Union([Type.Null(), Type.String()]);
const SigningKey = Type.Object({
  kid: Type.String(),
  alg: Type.Literal('Ed25519'),
  publicKey: Type.String(),
  createdAt: Type.String(),
  retiredAt: NullableString,
  revokedAt: NullableString,
  state: Type.String({ description: 'active | retired (still verifies) | revoked' }),
});

export const signingKeyManagementRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/signing-keys',
    {
      schema: {
        tags: ['signing keys'],
        response: { 200: Type.Object({ data: Type.Array(SigningKey) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await listVendorSigningKeys(ctx, request.principal) }),
  );
  app.post(
    '/v1/signing-keys/rotate',
    {
      config: { minRole: 'admin' },
      schema: {
        tags: ['signing keys'],
        summary: 'Make a new active key; the previous one retires but still verifies',
        response: {
          201: Type.Object({ kid: Type.String(), publicKey: Type.String(), createdAt: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await rotateSigningKey(ctx, request.principal, actorOf(request.principal))),
  );
  app.post(
    '/v1/signing-keys/:kid/revoke',
    {
      config: { minRole: 'admin' },
      schema: {
        tags: ['signing keys'],
        summary: 'Revoke a retired key: what it signed stops verifying',
        params: Type.Object({ kid: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await revokeSigningKey(ctx, request.principal, actorOf(request.principal), request.params.kid);
      return reply.status(204).send(null);
    },
  );
};
