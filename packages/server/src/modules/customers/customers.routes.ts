import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, IdParams, Language, ListQuery, listOf } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { createCustomer, getCustomer, listCustomers, updateCustomer } from './customers.service.js';

const OptionalText = (max: number) =>
  Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: max })]));
const NullableString = Type.Union([Type.Null(), Type.String()]);

/** A list query whose cursor may be by name: the last name (up to 200 characters, each up to 6 once encoded) and its id. */
export const ByNameListQuery = Type.Object(
  { ...ListQuery.properties, cursor: Type.Optional(Type.String({ maxLength: 4000 })) },
  { additionalProperties: false },
);

export const Customer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  contactName: NullableString,
  phone: NullableString,
  email: NullableString,
  website: NullableString,
  partnerId: NullableString,
  managerId: NullableString,
  comment: NullableString,
  language: Type.String({ description: 'en | ru: the language of e-mails to the customer' }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const CustomerCard = Type.Intersect([
  Customer,
  Type.Object({
    keys: Type.Array(
      Type.Object({ id: Type.String(), key: Type.String(), status: Type.String(), createdAt: Type.String() }),
    ),
  }),
]);

const fields = {
  contactName: OptionalText(200),
  phone: OptionalText(50),
  email: Type.Optional(Type.Union([Type.Null(), Type.String({ format: 'email', maxLength: 254 })])),
  website: OptionalText(500),
  // An id or null (none); an empty string is neither, and is refused rather than stored as a dangling reference.
  partnerId: Type.Optional(Type.Union([Type.Null(), Type.String({ minLength: 1, maxLength: 64 })])),
  managerId: Type.Optional(Type.Union([Type.Null(), Type.String({ minLength: 1, maxLength: 64 })])),
  comment: OptionalText(5000),
  language: Type.Optional(Language),
};

export const customerRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/customers',
    {
      schema: {
        tags: ['customers'],
        querystring: Type.Object(
          {
            ...ByNameListQuery.properties,
            sort: Type.Optional(
              Type.Union([Type.Literal('newest'), Type.Literal('name')], {
                description: 'newest first (default), or by name A–Z; the cursor belongs to its order',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: listOf(Customer), ...errorResponses },
      },
    },
    (request) => listCustomers(ctx, request.principal, request.query),
  );
  app.get(
    '/v1/customers/:id',
    { schema: { tags: ['customers'], params: IdParams, response: { 200: CustomerCard, ...errorResponses } } },
    (request) => getCustomer(ctx, request.principal, request.params.id),
  );
  app.post(
    '/v1/customers',
    {
      schema: {
        tags: ['customers'],
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }), ...fields },
          { additionalProperties: false },
        ),
        response: { 201: Customer, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createCustomer(ctx, request.principal, actorOf(request.principal), request.body)),
  );
  app.patch(
    '/v1/customers/:id',
    {
      schema: {
        tags: ['customers'],
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), ...fields },
          { additionalProperties: false },
        ),
        response: { 200: Customer, ...errorResponses },
      },
    },
    (request) =>
      updateCustomer(ctx, request.principal, actorOf(request.principal), request.params.id, request.body),
  );
};
