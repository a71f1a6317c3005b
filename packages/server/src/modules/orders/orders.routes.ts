import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, IdParams, listOf, PageQuery, Term } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { entitlementsOf } from '../entitlements/entitlements.service.js';
import { assertAccountOf, createOrder, findOrder, listOrders } from './orders.service.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
export const AccountRef = Type.Object(
  { type: Type.Union([Type.Literal('partner'), Type.Literal('customer')]), id: Id },
  { additionalProperties: false },
);
export const Order = Type.Object({
  id: Type.String(),
  account: Type.Object({ type: Type.String(), id: Type.String() }),
  reference: Type.String(),
  comment: Type.Union([Type.Null(), Type.String()]),
  createdAt: Type.String(),
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      licenseTypeId: Type.String(),
      licenseTypeName: Type.String(),
      productCode: Type.String(),
      productName: Type.String(),
      quantity: Type.Integer(),
      term: Type.Union([Type.Null(), Type.Object({ unit: Type.String(), count: Type.Integer() })]),
    }),
  ),
});
const BalanceLine = Type.Object({
  orderItemId: Type.String(),
  licenseTypeId: Type.String(),
  purchased: Type.Integer(),
  received: Type.Integer(),
  allocated: Type.Integer(),
  available: Type.Integer(),
});
export const Entitlements = Type.Object({
  account: Type.Object({ type: Type.String(), id: Type.String() }),
  data: Type.Array(
    Type.Object({
      licenseTypeId: Type.String(),
      licenseTypeName: Type.String(),
      scope: Type.String(),
      productCode: Type.String(),
      productName: Type.String(),
      purchased: Type.Integer(),
      received: Type.Integer(),
      allocated: Type.Integer(),
      available: Type.Integer(),
      byOrderItem: Type.Array(BalanceLine),
    }),
  ),
});
const AccountQuery = Type.Object(
  {
    ...PageQuery.properties,
    accountType: Type.Optional(Type.Union([Type.Literal('partner'), Type.Literal('customer')])),
    accountId: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const orderRoutes: RouteModule = (app, ctx) => {
  app.post(
    '/v1/orders',
    {
      schema: {
        tags: ['partners'],
        summary: 'Record what a partner or customer bought: items of license type × quantity × term',
        body: Type.Object(
          {
            account: AccountRef,
            reference: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            comment: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 2000 })])),
            items: Type.Array(
              Type.Object(
                {
                  licenseTypeId: Id,
                  quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
                  term: Type.Optional(Type.Union([Type.Null(), Term])),
                },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 100 },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Order, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createOrder(ctx, request.principal, actorOf(request.principal), request.body)),
  );
  app.get(
    '/v1/orders',
    {
      schema: {
        tags: ['partners'],
        summary: 'Orders newest first, the vendor’s or one account’s, paged by cursor',
        querystring: AccountQuery,
        response: { 200: listOf(Order), ...errorResponses },
      },
    },
    async (request) => {
      const { accountType, accountId, limit, cursor } = request.query;
      const account = accountType && accountId ? { type: accountType, id: accountId } : undefined;
      if (account) await assertAccountOf(ctx.handle.db, request.principal.vendorId, account);
      return listOrders(ctx.handle.db, request.principal.vendorId, account, { limit, cursor });
    },
  );
  app.get(
    '/v1/orders/:id',
    { schema: { tags: ['partners'], params: IdParams, response: { 200: Order, ...errorResponses } } },
    (request) => findOrder(ctx.handle.db, request.principal.vendorId, request.params.id),
  );
  app.get(
    '/v1/entitlements',
    {
      schema: {
        tags: ['partners'],
        summary: 'An account’s entitlements: purchased, received, allocated, available',
        querystring: Type.Object(
          { accountType: Type.Union([Type.Literal('partner'), Type.Literal('customer')]), accountId: Id },
          { additionalProperties: false },
        ),
        response: { 200: Entitlements, ...errorResponses },
      },
    },
    async (request) => {
      const account = { type: request.query.accountType, id: request.query.accountId };
      await assertAccountOf(ctx.handle.db, request.principal.vendorId, account);
      return entitlementsOf(ctx.handle.db, request.principal.vendorId, account);
    },
  );
};
