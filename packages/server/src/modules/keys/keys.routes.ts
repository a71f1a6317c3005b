import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, IdParams, listOf } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { Customer } from '../customers/customers.routes.js';
import { License } from '../licenses/licenses.routes.js';
import { createKey, deleteKey, getKeyCard, listKeys, rebindKey } from './keys.service.js';

const NullableString = Type.Union([Type.Null(), Type.String()]);
const Resource = Type.Object({ kind: Type.String(), id: Type.String(), name: NullableString });

export const Key = Type.Object({
  id: Type.String(),
  key: Type.String({
    description: 'PREFIX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX (Crockford base32, last symbol is a check)',
  }),
  status: Type.String({ description: 'active | suspended | revoked (deleted)' }),
  customerId: Type.String(),
  createdAt: Type.String(),
  deletedAt: NullableString,
});

const KeyCard = Type.Intersect([
  Key,
  Type.Object({
    customer: Customer,
    licenses: Type.Array(License),
    bindings: Type.Array(
      Type.Object({
        id: Type.String(),
        licenseId: Type.String(),
        productCode: Type.String(),
        resource: Resource,
        createdAt: Type.String(),
      }),
      { description: 'The first 100 bindings of each license of the key, at most 100 in all' },
    ),
    bindingsBound: Type.Integer({ description: 'Resources bound to the key’s licenses, all of them' }),
    sessionsOpen: Type.Integer({
      description: "Open sessions of the key by its licenses' counters; `sessions` lists at most 100 of them",
    }),
    sessions: Type.Array(
      Type.Object({
        id: Type.String(),
        licenseId: Type.String(),
        productCode: Type.String(),
        resource: Resource,
        startedAt: Type.String(),
        lastHeartbeatAt: Type.String(),
        expiresAt: Type.String(),
      }),
    ),
  }),
]);

const CustomerRef = Type.Object(
  { customerId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const keyRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/keys',
    {
      schema: {
        tags: ['keys'],
        querystring: Type.Object(
          {
            customerId: Type.Optional(Type.String({ maxLength: 64 })),
            q: Type.Optional(Type.String({ maxLength: 100 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
            cursor: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: listOf(Key), ...errorResponses },
      },
    },
    (request) => listKeys(ctx, request.principal, request.query),
  );
  app.post(
    '/v1/keys',
    { schema: { tags: ['keys'], body: CustomerRef, response: { 201: Key, ...errorResponses } } },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createKey(ctx, request.principal, actorOf(request.principal), request.body)),
  );
  app.get(
    '/v1/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary: 'The key card',
        params: IdParams,
        response: { 200: KeyCard, ...errorResponses },
      },
    },
    (request) => getKeyCard(ctx, request.principal, request.params.id),
  );
  app.patch(
    '/v1/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary: 'Re-bind the key to another customer',
        params: IdParams,
        body: CustomerRef,
        response: { 200: Key, ...errorResponses },
      },
    },
    (request) =>
      rebindKey(ctx, request.principal, actorOf(request.principal), request.params.id, request.body),
  );
  app.delete(
    '/v1/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary: 'Delete the key: licenses revoked, history kept',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteKey(ctx, request.principal, actorOf(request.principal), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
