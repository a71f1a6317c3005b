import { MODES, RESOURCE_KINDS, SCOPES } from '@licensor/core';
import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, IdParams, listOf, Term } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import {
  createLicenseType,
  deleteLicenseType,
  getLicenseType,
  listLicenseTypes,
  updateLicenseType,
} from './license-types.service.js';

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((value) => Type.Literal(value)));
export const Scope = literals(SCOPES);
export const Mode = literals(MODES);
export const ResourceKind = literals(RESOURCE_KINDS);
const NullableInt = (min: number, max: number) =>
  Type.Union([Type.Null(), Type.Integer({ minimum: min, maximum: max })]);

export const LicenseType = Type.Object({
  id: Type.String(),
  productId: Type.String(),
  productCode: Type.String(),
  name: Type.String(),
  scope: Type.String(),
  resourceKind: Type.Union([Type.Null(), Type.String()]),
  mode: Type.String(),
  term: Type.Union([Type.Null(), Term]),
  maxSeats: Type.Union([Type.Null(), Type.Integer()]),
  maxSessions: Type.Union([Type.Null(), Type.Integer()]),
  heartbeatSeconds: Type.Union([Type.Null(), Type.Integer()]),
  capabilities: Type.Array(Type.String()),
  bindingLocked: Type.Boolean(),
  graceDays: Type.Integer(),
  archived: Type.Boolean(),
  createdAt: Type.String(),
});

const CreateLicenseType = Type.Object(
  {
    productId: Type.String({ minLength: 1, maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scope: Scope,
    resourceKind: Type.Optional(Type.Union([Type.Null(), ResourceKind])),
    mode: Mode,
    term: Type.Union([Type.Null(), Term], { description: 'null = perpetual' }),
    maxSeats: Type.Optional(NullableInt(1, 1_000_000)),
    maxSessions: Type.Optional(NullableInt(1, 1_000_000)),
    heartbeatSeconds: Type.Optional(NullableInt(10, 86_400)),
    capabilities: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9._:-]{0,63}$' }), { maxItems: 64 }),
    bindingLocked: Type.Optional(
      Type.Boolean({ description: 'a bound seat cannot be unbound or moved (an admin may transfer it)' }),
    ),
    graceDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
  },
  { additionalProperties: false },
);

export const licenseTypeRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/license-types',
    {
      schema: {
        tags: ['catalog'],
        querystring: Type.Object(
          { productId: Type.Optional(Type.String({ maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: { 200: listOf(LicenseType), ...errorResponses },
      },
    },
    (request) => listLicenseTypes(ctx, request.principal, request.query.productId),
  );
  app.get(
    '/v1/license-types/:id',
    { schema: { tags: ['catalog'], params: IdParams, response: { 200: LicenseType, ...errorResponses } } },
    (request) => getLicenseType(ctx, request.principal, request.params.id),
  );
  app.post(
    '/v1/license-types',
    {
      schema: {
        tags: ['catalog'],
        body: CreateLicenseType,
        response: { 201: LicenseType, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createLicenseType(ctx, request.principal, actorOf(request.principal), request.body)),
  );
  app.patch(
    '/v1/license-types/:id',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Rename a license type, or archive it (no new issues; what was issued stays valid)',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            archived: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: LicenseType, ...errorResponses },
      },
    },
    (request) =>
      updateLicenseType(ctx, request.principal, actorOf(request.principal), request.params.id, request.body),
  );
  app.delete(
    '/v1/license-types/:id',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Delete a license type never issued, sold or put in coupons (409 IN_USE otherwise)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteLicenseType(ctx, request.principal, actorOf(request.principal), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
