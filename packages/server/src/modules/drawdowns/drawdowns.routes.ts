import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, IdParams, listOf, PageQuery } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { DRAWDOWN_STATES, decideDrawdown, getDrawdown, listDrawdowns } from './drawdowns.service.js';

const NullableString = Type.Union([Type.Null(), Type.String()]);
export const Drawdown = Type.Object({
  id: Type.String(),
  reference: Type.String(),
  partnerId: Type.String(),
  partnerName: NullableString,
  orderId: Type.String(),
  orderReference: NullableString,
  customerId: NullableString,
  customerName: NullableString,
  newCustomer: Type.Union([Type.Null(), Type.Unknown()]),
  items: Type.Array(
    Type.Object({
      orderItemId: Type.String(),
      quantity: Type.Integer(),
      licenseTypeId: NullableString,
      licenseTypeName: NullableString,
      productName: NullableString,
    }),
  ),
  state: Type.String({ description: 'draft → submitted → approved | rejected → accepted' }),
  rejectionReason: NullableString,
  clonedFrom: NullableString,
  createdAt: Type.String(),
  submittedAt: NullableString,
  decidedAt: NullableString,
  acceptedAt: NullableString,
});
export const DrawdownState = Type.Union(DRAWDOWN_STATES.map((s) => Type.Literal(s)));

/** The vendor's side of draw-downs: the approval queue. */
export const drawdownRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/drawdowns',
    {
      schema: {
        tags: ['partners'],
        querystring: Type.Object(
          { state: Type.Optional(DrawdownState), ...PageQuery.properties },
          { additionalProperties: false },
        ),
        response: { 200: listOf(Drawdown), ...errorResponses },
      },
    },
    (request) => listDrawdowns(ctx, request.principal, request.query),
  );
  app.get(
    '/v1/drawdowns/:id',
    { schema: { tags: ['partners'], params: IdParams, response: { 200: Drawdown, ...errorResponses } } },
    (request) => getDrawdown(ctx, request.principal, request.params.id),
  );
  app.post(
    '/v1/drawdowns/:id/actions/approve',
    { schema: { tags: ['partners'], params: IdParams, response: { 200: Drawdown, ...errorResponses } } },
    (request) =>
      decideDrawdown(ctx, request.principal, actorOf(request.principal), request.params.id, {
        approve: true,
      }),
  );
  app.post(
    '/v1/drawdowns/:id/actions/reject',
    {
      schema: {
        tags: ['partners'],
        params: IdParams,
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        response: { 200: Drawdown, ...errorResponses },
      },
    },
    (request) =>
      decideDrawdown(ctx, request.principal, actorOf(request.principal), request.params.id, {
        approve: false,
        reason: request.body.reason,
      }),
  );
};
