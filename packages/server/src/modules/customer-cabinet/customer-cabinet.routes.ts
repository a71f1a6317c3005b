import { Type } from 'typebox';
import { closePortalSession } from '../../platform/auth/portal-sessions.js';
import { RateLimiter } from '../../platform/auth/rate-limit.js';
import { ErrorBody, errorResponses, listOf } from '../../platform/http/schemas.js';
import type { Api, RouteModule } from '../../platform/http/types.js';
import { Redeemed } from '../coupons/coupons.routes.js';
import { entitlementsOf, issueFromEntitlement } from '../entitlements/entitlements.service.js';
import { License } from '../licenses/licenses.routes.js';
import { Entitlements } from '../orders/orders.routes.js';
import { IssueBody, Issued } from '../partner-portal/partner-portal.routes.js';
import {
  authenticateCustomer,
  type CustomerPrincipal,
  customerActor,
  loginWithKey,
} from './customer-auth.js';
import {
  customerLicenses,
  customerMe,
  customerRedeem,
  customerRedemptions,
} from './customer-cabinet.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on customer cabinet routes by their authentication hook. */
    customer: CustomerPrincipal;
  }
}

const CustomerMe = Type.Object({
  customer: Type.Object({ id: Type.String(), name: Type.String() }),
  vendor: Type.Object({ name: Type.String(), prefix: Type.String() }),
  keys: Type.Array(Type.Object({ id: Type.String(), key: Type.String(), status: Type.String() })),
  loggedInWithKey: Type.Boolean(),
  csrfToken: Type.String(),
});

/** The customer cabinet's API (seeds 003 and 004): its own cookie, its own scope, only its own data. */
export const customerCabinetRoutes: RouteModule = (app, ctx) => {
  const limiter = new RateLimiter(ctx.config.loginRateLimit, 'login attempts');

  app.post(
    '/v1/customer/auth/login',
    {
      schema: {
        tags: ['customer cabinet'],
        summary: 'Log in to the customer cabinet with a license key',
        body: Type.Object(
          { key: Type.String({ minLength: 1, maxLength: 100 }) },
          { additionalProperties: false },
        ),
        response: { 200: CustomerMe, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      limiter.hit(request.ip, ctx.clock.now().getTime());
      return customerMe(ctx, await loginWithKey(ctx, reply, request.body.key));
    },
  );

  app.register(async (scope: Api) => {
    scope.decorateRequest('customer', null as never);
    scope.addHook('onRequest', async (request) => {
      request.customer = await authenticateCustomer(ctx, request);
    });
    scope.get(
      '/v1/customer/me',
      { schema: { tags: ['customer cabinet'], response: { 200: CustomerMe, ...errorResponses } } },
      (request) => customerMe(ctx, request.customer),
    );
    scope.post(
      '/v1/customer/auth/logout',
      { schema: { tags: ['customer cabinet'], response: { 204: Type.Null(), ...errorResponses } } },
      async (request, reply) => {
        await closePortalSession(ctx, request, reply, 'customer');
        return reply.status(204).send(null);
      },
    );
    scope.get(
      '/v1/customer/licenses',
      { schema: { tags: ['customer cabinet'], response: { 200: listOf(License), ...errorResponses } } },
      (request) => customerLicenses(ctx, request.customer),
    );
    scope.post(
      '/v1/customer/coupons/redeem',
      {
        schema: {
          tags: ['customer cabinet'],
          summary: 'The customer redeems a coupon on its key',
          body: Type.Object(
            {
              coupon: Type.String({ minLength: 1, maxLength: 100 }),
              keyId: Type.Optional(Type.String({ maxLength: 64 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Redeemed, ...errorResponses },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await customerRedeem(ctx, request.customer, request.body)),
    );
    scope.get(
      '/v1/customer/entitlements',
      { schema: { tags: ['customer cabinet'], response: { 200: Entitlements, ...errorResponses } } },
      (request) =>
        entitlementsOf(ctx.handle.db, request.customer.vendorId, {
          type: 'customer',
          id: request.customer.customerId,
        }),
    );
    scope.post(
      '/v1/customer/entitlements/issue',
      {
        schema: {
          tags: ['customer cabinet'],
          summary: 'Issue a license from the available entitlements (cloud-bound or as a license file)',
          body: IssueBody,
          response: { 201: Issued, ...errorResponses },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(
            await issueFromEntitlement(
              ctx,
              request.customer.vendorId,
              request.customer.customerId,
              customerActor(request.customer),
              request.body,
            ),
          ),
    );
    scope.get(
      '/v1/customer/redemptions',
      {
        schema: { tags: ['customer cabinet'], response: { 200: listOf(Type.Unknown()), ...errorResponses } },
      },
      (request) => customerRedemptions(ctx, request.customer),
    );
  });
};
