import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, IdParams, ListQuery, listOf, Term, Timestamp } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { listLicenseBindings } from './license-bindings.js';
import { LICENSE_SORTS, listLicenses } from './license-list.js';
import { applyLicenseAction, getLicense, issueLicense, LICENSE_ACTIONS } from './licenses.service.js';

const NullableString = Type.Union([Type.Null(), Type.String()]);

export const License = Type.Object({
  id: Type.String(),
  keyId: Type.String(),
  productId: Type.String(),
  productCode: Type.String(),
  productName: Type.String(),
  licenseTypeId: Type.String(),
  licenseTypeName: Type.String(),
  scope: Type.String(),
  mode: Type.String(),
  status: Type.String({
    description: 'derived: unused, active, expiring, expired, suspended, revoked, superseded',
  }),
  startsAt: Type.String(),
  expiresAt: NullableString,
  suspendedAt: NullableString,
  revokedAt: NullableString,
  supersededAt: NullableString,
  capabilities: Type.Array(Type.String()),
  maxSeats: Type.Union([Type.Null(), Type.Integer()]),
  seatsUsed: Type.Integer(),
  maxSessions: Type.Union([Type.Null(), Type.Integer()]),
  bindingLocked: Type.Boolean(),
  createdAt: Type.String(),
});

/** A row of the vendor's license list: the license with its key and customer. */
const ListedLicense = Type.Object({
  ...License.properties,
  key: Type.String(),
  customerId: Type.String(),
  customerName: Type.String(),
});

const ResourceInput = Type.Object(
  {
    kind: Type.String({ minLength: 1, maxLength: 32 }),
    id: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const licenseRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/licenses',
    {
      schema: {
        tags: ['licenses'],
        summary: 'The vendor’s licenses across keys, newest first, by expiry or by customer name',
        querystring: Type.Object(
          {
            ...ListQuery.properties,
            // A sorted cursor carries the last row's sort values (a customer name up to 200 characters) beside its id.
            // A customer-order cursor carries a name of up to 200 characters, each up to 6 once encoded.
            cursor: Type.Optional(Type.String({ maxLength: 4000 })),
            sort: Type.Optional(
              Type.Union(
                LICENSE_SORTS.map((s) => Type.Literal(s)),
                {
                  description:
                    'newest first (default); expiry: soonest first, perpetual last; customer: by customer name A–Z. The cursor belongs to its order',
                },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: listOf(ListedLicense), ...errorResponses },
      },
    },
    (request) => listLicenses(ctx, request.principal, request.query),
  );
  app.post(
    '/v1/keys/:id/licenses',
    {
      schema: {
        tags: ['licenses'],
        summary: 'Issue a license (grant) on a key',
        params: IdParams,
        body: Type.Object(
          {
            licenseTypeId: Type.String({ minLength: 1, maxLength: 64 }),
            startsAt: Type.Optional(Timestamp),
            term: Type.Optional(Type.Union([Type.Null(), Term])),
          },
          { additionalProperties: false },
        ),
        response: { 201: License, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await issueLicense(
            ctx,
            request.principal,
            actorOf(request.principal),
            request.params.id,
            request.body,
          ),
        ),
  );

  app.get(
    '/v1/licenses/:id',
    { schema: { tags: ['licenses'], params: IdParams, response: { 200: License, ...errorResponses } } },
    (request) => getLicense(ctx, request.principal, request.params.id),
  );

  app.get(
    '/v1/licenses/:id/bindings',
    {
      schema: {
        tags: ['licenses'],
        summary: 'The resources bound to a license, a page at a time, by resource kind and id',
        params: IdParams,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            cursor: Type.Optional(Type.String({ maxLength: 600 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: listOf(
            Type.Object({
              id: Type.String(),
              licenseId: Type.String(),
              resource: Type.Object({ kind: Type.String(), id: Type.String(), name: NullableString }),
              createdAt: Type.String(),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    (request) => listLicenseBindings(ctx, request.principal, request.params.id, request.query),
  );

  app.post(
    '/v1/licenses/:id/actions/:action',
    {
      schema: {
        tags: ['licenses'],
        summary:
          'suspend | reinstate | revoke | renew (extends from the current expiry while valid) | transfer (admin: move a bound seat)',
        params: Type.Object({
          id: IdParams.properties.id,
          action: Type.Union(LICENSE_ACTIONS.map((a) => Type.Literal(a))),
        }),
        body: Type.Optional(
          Type.Object(
            {
              term: Type.Optional(Term),
              bindingId: Type.Optional(Type.String({ maxLength: 64 })),
              resource: Type.Optional(ResourceInput),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 200: License, ...errorResponses },
      },
    },
    (request) =>
      applyLicenseAction(
        ctx,
        request.principal,
        actorOf(request.principal),
        request.params.id,
        request.params.action,
        request.body ?? {},
      ),
  );
};
