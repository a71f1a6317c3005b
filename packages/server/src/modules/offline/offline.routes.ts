import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, Timestamp } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { License } from '../licenses/licenses.routes.js';
import { issueBundle, issueLicenseFile } from './offline.service.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const fileOptions = {
  installationId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  encrypt: Type.Optional(
    Type.Boolean({ description: 'encrypt the payload with the license key (AES-256-GCM)' }),
  ),
  fileExpiresAt: Type.Optional(Timestamp),
};

const LicenseFile = Type.Object({
  fileName: Type.String(),
  content: Type.String({ description: 'the `.license` file: -----BEGIN LICENSE FILE----- …' }),
  payload: Type.Unknown(),
  license: License,
});

export const offlineRoutes: RouteModule = (app, ctx) => {
  app.post(
    '/v1/offline/license-files',
    {
      schema: {
        tags: ['offline'],
        summary: 'A signed .license file: from a license request, or for an existing license (check-out)',
        body: Type.Object(
          {
            request: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 20_000,
                description: 'the licensereq-<product>.txt text',
              }),
            ),
            licenseId: Type.Optional(Id),
            keyId: Type.Optional(Id),
            licenseTypeId: Type.Optional(Id),
            ...fileOptions,
          },
          { additionalProperties: false },
        ),
        response: { 201: LicenseFile, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await issueLicenseFile(ctx, request.principal, actorOf(request.principal), request.body)),
  );

  app.post(
    '/v1/offline/bundles',
    {
      schema: {
        tags: ['offline'],
        summary: 'A .lcs bundle of several license files (e.g. one platform and ten agent licenses)',
        body: Type.Object(
          {
            licenseIds: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
            keyId: Type.Optional(Id),
            issue: Type.Optional(
              Type.Array(
                Type.Object(
                  { licenseTypeId: Id, count: Type.Integer({ minimum: 1, maximum: 1000 }) },
                  { additionalProperties: false },
                ),
                { maxItems: 20 },
              ),
            ),
            ...fileOptions,
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            fileName: Type.String(),
            content: Type.String(),
            licenses: Type.Array(License),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await issueBundle(ctx, request.principal, actorOf(request.principal), request.body)),
  );
};
