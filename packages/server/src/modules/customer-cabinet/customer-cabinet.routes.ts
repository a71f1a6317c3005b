import { Type } from 'typebox';
import { closePortalSession } from '../../platform/auth/portal-sessions.js';
import { loginLimit } from '../../platform/auth/rate-limit.js';
import { ErrorBody, errorResponses, Language, listOf } from '../../platform/http/schemas.js';
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
  loginWithPassword,
} from './customer-auth.js';
import {
  customerDevices,
  customerLicenses,
  customerMe,
  customerRedeem,
  customerRedemptions,
  setCustomerLanguage,
} from './customer-cabinet.service.js';
import {
  attachByCode,
  attachByFiles,
  listCustomerRequests,
  orderCatalog,
  requestService,
} from './self-service.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on customer cabinet routes by their authentication hook. */
    customer: CustomerPrincipal;
  }
}

const CabinetLicense = Type.Intersect([
  License,
  Type.Object({
    cabinetState: Type.String({ description: 'free | activated | expired | suspended' }),
    origin: Type.String({
      description: 'cloud (on the key, activated by apps) | local (added by code or file)',
    }),
    activations: Type.Array(
      Type.Object({ kind: Type.String(), id: Type.String(), name: Type.Union([Type.Null(), Type.String()]) }),
    ),
  }),
]);

const Catalog = Type.Object({
  data: Type.Array(
    Type.Object({
      id: Type.String(),
      code: Type.String(),
      name: Type.String(),
      licenseTypes: Type.Array(
        Type.Object({
          id: Type.String(),
          name: Type.String(),
          scope: Type.String(),
          term: Type.Union([Type.Null(), Type.Object({ unit: Type.String(), count: Type.Integer() })]),
        }),
      ),
    }),
  ),
});

export const ServiceRequest = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  customerName: Type.Union([Type.Null(), Type.String()]),
  kind: Type.String({ description: 'renew | order' }),
  licenseId: Type.Union([Type.Null(), Type.String()]),
  key: Type.Union([Type.Null(), Type.String()]),
  productId: Type.Union([Type.Null(), Type.String()]),
  productName: Type.Union([Type.Null(), Type.String()]),
  licenseTypeId: Type.Union([Type.Null(), Type.String()]),
  licenseTypeName: Type.Union([Type.Null(), Type.String()]),
  term: Type.Union([Type.Null(), Type.Object({ unit: Type.String(), count: Type.Integer() })]),
  quantity: Type.Integer(),
  comment: Type.Union([Type.Null(), Type.String()]),
  state: Type.String({ description: 'open | fulfilled' }),
  createdAt: Type.String(),
  fulfilledAt: Type.Union([Type.Null(), Type.String()]),
});

const CustomerMe = Type.Object({
  customer: Type.Object({
    id: Type.String(),
    name: Type.String(),
    language: Language,
  }),
  vendor: Type.Object({ name: Type.String(), prefix: Type.String() }),
  keys: Type.Array(Type.Object({ id: Type.String(), key: Type.String(), status: Type.String() })),
  loggedInWithKey: Type.Boolean(),
  csrfToken: Type.String(),
});

/** The customer cabinet's API (seeds 003 and 004): its own cookie, its own scope, only its own data. */
export const customerCabinetRoutes: RouteModule = (app, ctx) => {
  const limit = loginLimit(ctx);

  app.post(
    '/v1/customer/auth/login',
    {
      schema: {
        tags: ['customer cabinet'],
        summary: 'Log in to the customer cabinet with a license key alone, or with e-mail and password',
        body: Type.Union([
          Type.Object(
            { key: Type.String({ minLength: 1, maxLength: 100 }) },
            { additionalProperties: false },
          ),
          Type.Object(
            {
              email: Type.String({ minLength: 3, maxLength: 254 }),
              password: Type.String({ minLength: 1, maxLength: 200 }),
              vendor: Type.Optional(
                Type.String({
                  pattern: '^[A-Za-z]{4}$',
                  description: "The vendor's key prefix, when the e-mail has accounts with several vendors",
                }),
              ),
            },
            { additionalProperties: false },
          ),
        ]),
        response: { 200: CustomerMe, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await limit(request, 'key' in body ? `key:${body.key}` : body.email);
      const principal =
        'key' in body
          ? await loginWithKey(ctx, reply, body.key)
          : await loginWithPassword(ctx, reply, body.email, body.password, body.vendor);
      return customerMe(ctx, principal);
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
    scope.patch(
      '/v1/customer/me',
      {
        schema: {
          tags: ['customer cabinet'],
          summary: 'Choose the language of the e-mails the customer gets',
          body: Type.Object({ language: Language }, { additionalProperties: false }),
          response: { 200: CustomerMe, ...errorResponses },
        },
      },
      async (request) => {
        await setCustomerLanguage(ctx, request.customer, request.body.language);
        return customerMe(ctx, request.customer);
      },
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
      {
        schema: { tags: ['customer cabinet'], response: { 200: listOf(CabinetLicense), ...errorResponses } },
      },
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
      '/v1/customer/devices',
      {
        schema: {
          tags: ['customer cabinet'],
          summary: 'Devices and other resources the licenses are activated on, and live sessions',
          response: {
            200: Type.Object({
              resources: Type.Array(Type.Unknown(), { description: 'The first 100 activations' }),
              resourcesBound: Type.Integer({
                description: 'Activations of the customer’s licenses, all of them',
              }),
              sessionsOpen: Type.Integer(),
              sessions: Type.Array(Type.Unknown()),
            }),
            ...errorResponses,
          },
        },
      },
      (request) => customerDevices(ctx, request.customer),
    );
    scope.post(
      '/v1/customer/licenses/attach',
      {
        schema: {
          tags: ['customer cabinet'],
          summary: 'Add licenses activated offline: by activation code, or by uploading license files',
          body: Type.Union([
            Type.Object(
              { code: Type.String({ minLength: 1, maxLength: 100 }) },
              { additionalProperties: false },
            ),
            Type.Object(
              {
                files: Type.Array(Type.String({ minLength: 1, maxLength: 100_000 }), {
                  minItems: 1,
                  maxItems: 50,
                }),
              },
              { additionalProperties: false },
            ),
          ]),
          response: { 200: Type.Object({ attached: Type.Integer() }), ...errorResponses },
        },
      },
      (request) => {
        const body = request.body;
        return 'code' in body
          ? attachByCode(ctx, request.customer, body.code)
          : attachByFiles(ctx, request.customer, body.files);
      },
    );
    scope.get(
      '/v1/customer/requests',
      {
        schema: { tags: ['customer cabinet'], response: { 200: listOf(ServiceRequest), ...errorResponses } },
      },
      (request) => listCustomerRequests(ctx, request.customer),
    );
    scope.get(
      '/v1/customer/catalog',
      {
        schema: {
          tags: ['customer cabinet'],
          summary: 'What the customer may order: the vendor’s products and their license types',
          response: { 200: Catalog, ...errorResponses },
        },
      },
      (request) => orderCatalog(ctx, request.customer),
    );
    scope.post(
      '/v1/customer/requests',
      {
        schema: {
          tags: ['customer cabinet'],
          summary: '"Renew" a license or "order a new license": a request the vendor fulfils',
          body: Type.Object(
            {
              kind: Type.Union([Type.Literal('renew'), Type.Literal('order')]),
              licenseId: Type.Optional(Type.String({ maxLength: 64 })),
              productId: Type.Optional(Type.String({ maxLength: 64 })),
              licenseTypeId: Type.Optional(Type.String({ maxLength: 64 })),
              quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
              comment: Type.Optional(Type.String({ maxLength: 2000 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: ServiceRequest, ...errorResponses },
        },
      },
      async (request, reply) => {
        const visible = (await customerLicenses(ctx, request.customer)).data.map((l) => l.id);
        return reply.status(201).send(await requestService(ctx, request.customer, request.body, visible));
      },
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
