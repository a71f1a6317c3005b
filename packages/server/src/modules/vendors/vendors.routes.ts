import { Type } from 'typebox';
import { ErrorBody } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { listSigningKeys } from './vendors.service.js';

const SigningKey = Type.Object({
  kid: Type.String(),
  alg: Type.Literal('Ed25519'),
  publicKey: Type.String({ description: 'base64 of the raw 32-byte Ed25519 public key' }),
  createdAt: Type.String(),
  retiredAt: Type.Optional(Type.String()),
});

/** Public: apps fetch these to verify signed answers and license files. */
export const signingKeyRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/vendors/:prefix/signing-keys',
    {
      config: { forApps: true },
      schema: {
        tags: ['app'],
        summary: 'Public signing keys of a vendor',
        params: Type.Object({ prefix: Type.String({ pattern: '^[A-Za-z]{4}$' }) }),
        response: { 200: Type.Object({ data: Type.Array(SigningKey) }), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => ({ data: await listSigningKeys(ctx, request.params.prefix) }),
  );
};
