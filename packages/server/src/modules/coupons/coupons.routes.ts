import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, IdParams, listOf, Term } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { License } from '../licenses/licenses.routes.js';
import {
  exportBatchCsv,
  generateCouponBatch,
  getCoupon,
  listBatches,
  listCoupons,
  listKeyRedemptions,
  MAX_BATCH,
} from './coupon-batches.service.js';
import { COUPON_TYPES } from './coupon-items.js';
import { redeemCoupon, revertRedemption } from './redemptions.service.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const NullableString = Type.Union([Type.Null(), Type.String()]);
const CouponType = Type.Union(COUPON_TYPES.map((t) => Type.Literal(t)));

const Item = Type.Object({
  productId: Type.String(),
  productCode: Type.String(),
  licenseTypeId: Type.String(),
  licenseTypeName: Type.String(),
  term: Type.Union([Type.Null(), Term]),
  days: Type.Optional(Type.Integer()),
});
const Batch = Type.Object({
  id: Type.String(),
  type: Type.String(),
  partnerId: NullableString,
  items: Type.Array(Item),
  count: Type.Integer(),
  reusable: Type.Boolean(),
  keyId: NullableString,
  activateNow: Type.Boolean(),
  comment: NullableString,
  createdAt: Type.String(),
});
const Redemption = Type.Object({
  id: Type.String(),
  couponId: Type.String(),
  code: Type.Optional(Type.String()),
  keyId: Type.String(),
  key: Type.Optional(Type.String()),
  channel: Type.String({ description: 'app | cabinet | api | cli' }),
  actor: Type.Object({ type: Type.String(), id: NullableString, name: NullableString }),
  effect: Type.Object({
    created: Type.Array(Type.String()),
    extended: Type.Array(Type.Object({ licenseId: Type.String(), from: Type.String(), to: Type.String() })),
    superseded: Type.Array(Type.String()),
  }),
  redeemedAt: Type.String(),
  revertedAt: NullableString,
  revertedBy: NullableString,
});
const Coupon = Type.Object({
  id: Type.String(),
  code: Type.String(),
  batchId: Type.String(),
  type: Type.String(),
  partnerId: NullableString,
  reusable: Type.Boolean(),
  comment: NullableString,
  state: Type.String({ description: 'active | redeemed (single-use coupons only)' }),
  redemptions: Type.Integer(),
  createdAt: Type.String(),
});
export const RedeemBody = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 100 }),
    coupon: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);
export const Redeemed = Type.Object({
  redemptionId: Type.String(),
  keyId: Type.String(),
  licenses: Type.Array(License),
});

export const couponRoutes: RouteModule = (app, ctx) => {
  app.post(
    '/v1/coupon-batches',
    {
      schema: {
        tags: ['coupons'],
        summary:
          'The coupon generator: add_product, extend_trial (reusable?) or change_composition (keyId, activateNow?)',
        body: Type.Object(
          {
            type: CouponType,
            partnerId: Type.Optional(Type.Union([Type.Null(), Id])),
            items: Type.Array(
              Type.Object(
                {
                  productId: Type.Optional(Id),
                  licenseTypeId: Type.Optional(Id),
                  term: Type.Optional(Type.Union([Type.Null(), Term])),
                  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
                },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 50 },
            ),
            count: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BATCH, default: 1 })),
            reusable: Type.Optional(Type.Boolean()),
            keyId: Type.Optional(Id),
            activateNow: Type.Optional(Type.Boolean()),
            comment: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 2000 })])),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Intersect([Batch, Type.Object({ codes: Type.Array(Type.String()) })]),
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await generateCouponBatch(ctx, request.principal, actorOf(request.principal), request.body)),
  );

  app.get(
    '/v1/coupon-batches',
    { schema: { tags: ['coupons'], response: { 200: listOf(Batch), ...errorResponses } } },
    (request) => listBatches(ctx, request.principal),
  );

  app.get(
    '/v1/coupon-batches/:id/coupons.csv',
    {
      schema: {
        tags: ['coupons'],
        summary: 'Export a batch as CSV',
        params: IdParams,
        response: { 200: Type.String({ description: 'text/csv' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const rows = exportBatchCsv(ctx, request.principal, request.params.id);
      const first = await rows.next(); // the batch check throws before any byte is sent
      const all = [first.value ?? ''];
      for await (const chunk of rows) all.push(chunk);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="coupons-${request.params.id}.csv"`)
        .send(all.join(''));
    },
  );

  app.get(
    '/v1/coupons',
    {
      schema: {
        tags: ['coupons'],
        querystring: Type.Object(
          {
            type: Type.Optional(CouponType),
            partnerId: Type.Optional(Id),
            batchId: Type.Optional(Id),
            state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('redeemed')])),
            q: Type.Optional(Type.String({ maxLength: 100 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
            cursor: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
        response: { 200: listOf(Coupon), ...errorResponses },
      },
    },
    (request) => listCoupons(ctx, request.principal, request.query),
  );

  app.get(
    '/v1/coupons/:id',
    {
      schema: {
        tags: ['coupons'],
        summary: 'A coupon, its batch and its redemption history',
        params: IdParams,
        response: {
          200: Type.Object({
            id: Type.String(),
            code: Type.String(),
            createdAt: Type.String(),
            batch: Batch,
            history: Type.Array(Redemption),
          }),
          ...errorResponses,
        },
      },
    },
    (request) => getCoupon(ctx, request.principal, request.params.id),
  );

  app.post(
    '/v1/redemptions',
    {
      schema: {
        tags: ['coupons'],
        summary: 'Vendor staff redeem a coupon on a key',
        body: RedeemBody,
        response: { 201: Redeemed, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { vendorId: _, ...redeemed } = await redeemCoupon(
        ctx,
        { actor: actorOf(request.principal), vendorId: request.principal.vendorId },
        request.body,
      );
      return reply.status(201).send(redeemed);
    },
  );

  app.post(
    '/v1/redemptions/:id/actions/revert',
    {
      schema: {
        tags: ['coupons'],
        summary: 'Undo a redemption made by mistake; a single-use coupon becomes usable again',
        params: IdParams,
        response: { 200: Redemption, ...errorResponses },
      },
    },
    (request) => revertRedemption(ctx, request.principal, actorOf(request.principal), request.params.id),
  );

  app.get(
    '/v1/keys/:id/redemptions',
    {
      schema: {
        tags: ['coupons'],
        summary: 'The key card tab "redeemed coupons"',
        params: IdParams,
        response: { 200: listOf(Redemption), ...errorResponses },
      },
    },
    (request) => listKeyRedemptions(ctx, request.principal, request.params.id),
  );
};
