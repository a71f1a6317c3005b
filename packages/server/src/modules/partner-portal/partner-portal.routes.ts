import { Type } from 'typebox';
import { closePortalSession, portalSessionToken } from '../../platform/auth/portal-sessions.js';
import { loginLimit } from '../../platform/auth/rate-limit.js';
import type { AppContext } from '../../platform/context.js';
import { notFound } from '../../platform/errors.js';
import {
  ErrorBody,
  errorResponses,
  IdParams,
  Language,
  listOf,
  PageQuery,
} from '../../platform/http/schemas.js';
import type { Api, RouteModule } from '../../platform/http/types.js';
import { PasswordChange, ProfileChanges } from '../auth/profile.schema.js';
import { asLanguage, changePassword, type ProfileAccount, updateProfile } from '../auth/profile.service.js';
import { ServiceRequest } from '../customer-cabinet/customer-cabinet.routes.js';
import { fulfilServiceRequest, listServiceRequests } from '../customer-cabinet/self-service.service.js';
import { ByNameListQuery, Customer } from '../customers/customers.routes.js';
import { listPartnerCustomers, toCustomer } from '../customers/customers.service.js';
import { Drawdown } from '../drawdowns/drawdowns.routes.js';
import {
  acceptDrawdown,
  cloneDrawdown,
  createDrawdown,
  getPartnerDrawdown,
  listPartnerDrawdowns,
  submitDrawdown,
  updateDraft,
} from '../drawdowns/drawdowns.service.js';
import { entitlementsOf, issueFromEntitlement } from '../entitlements/entitlements.service.js';
import { License } from '../licenses/licenses.routes.js';
import { Entitlements, Order } from '../orders/orders.routes.js';
import { listOrders } from '../orders/orders.service.js';
import {
  authenticatePartner,
  loginPartner,
  type PartnerPrincipal,
  partnerActor,
} from '../partners/partner-auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on partner portal routes by their authentication hook. */
    partner: PartnerPrincipal;
  }
}

const Id = Type.String({ minLength: 1, maxLength: 64 });
const PartnerMe = Type.Object({
  user: Type.Object({
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    language: Language,
  }),
  partner: Type.Object({ id: Type.String(), name: Type.String() }),
  csrfToken: Type.String(),
});
const ownAccount = (partner: PartnerPrincipal): ProfileAccount => ({
  table: 'partner_users',
  vendorId: partner.vendorId,
  id: partner.userId,
});
const me = (partner: PartnerPrincipal) => ({
  user: {
    id: partner.userId,
    email: partner.email,
    name: partner.name,
    language: asLanguage(partner.language),
  },
  partner: { id: partner.partnerId, name: partner.partnerName },
  csrfToken: partner.csrfToken,
});
const DrawdownBody = {
  orderId: Id,
  customer: Type.Union([
    Type.Object({ id: Id }, { additionalProperties: false }),
    Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 200 }),
        website: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 500 })])),
        contactName: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 200 })])),
        email: Type.Optional(Type.Union([Type.Null(), Type.String({ format: 'email', maxLength: 254 })])),
      },
      { additionalProperties: false },
    ),
  ]),
  items: Type.Array(
    Type.Object(
      { orderItemId: Id, quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
      { additionalProperties: false },
    ),
    { minItems: 1, maxItems: 100 },
  ),
};
export const IssueBody = Type.Object(
  {
    licenseTypeId: Id,
    delivery: Type.Union([Type.Literal('cloud'), Type.Literal('file')], {
      description:
        'cloud: bound to a registered installation GUID; file: a license file for the installation id',
    }),
    installationId: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export const Issued = Type.Object({
  license: License,
  file: Type.Union([Type.Null(), Type.Object({ fileName: Type.String(), content: Type.String() })]),
});

/** A customer of this partner, or not found. */
async function ownCustomer(ctx: AppContext, partner: PartnerPrincipal, id: string) {
  const row = await ctx.handle.db
    .selectFrom('customers')
    .selectAll()
    .where('id', '=', id)
    .where('partner_id', '=', partner.partnerId)
    .executeTakeFirst();
  if (!row) throw notFound('CUSTOMER_NOT_FOUND', 'customer');
  return row;
}

/** The partner portal (seed 002): entitlements with the account switcher, orders, customers, draw-downs. */
export const partnerPortalRoutes: RouteModule = (app, ctx) => {
  const limit = loginLimit(ctx);
  app.post(
    '/v1/partner/auth/login',
    {
      schema: {
        tags: ['partner portal'],
        body: Type.Object(
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
        response: { 200: PartnerMe, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      await limit(request, request.body.email);
      return me(
        await loginPartner(ctx, reply, request.body.email, request.body.password, request.body.vendor),
      );
    },
  );

  app.register(async (scope: Api) => {
    scope.decorateRequest('partner', null as never);
    scope.addHook('onRequest', async (request) => {
      request.partner = await authenticatePartner(ctx, request);
    });
    const tags = ['partner portal'];
    scope.get(
      '/v1/partner/me',
      { schema: { tags, response: { 200: PartnerMe, ...errorResponses } } },
      async (request) => me(request.partner),
    );
    scope.patch(
      '/v1/partner/me',
      {
        schema: {
          tags,
          summary: 'Change your own name, or the language of the e-mails you get',
          body: ProfileChanges,
          response: { 200: PartnerMe, ...errorResponses },
        },
      },
      async (request) => {
        const changed = await updateProfile(
          ctx,
          ownAccount(request.partner),
          partnerActor(request.partner),
          request.body,
        );
        return me({ ...request.partner, name: changed.name, language: changed.language });
      },
    );
    scope.post(
      '/v1/partner/me/password',
      {
        schema: {
          tags,
          summary: 'Change your own password (your other sessions end)',
          body: PasswordChange,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        await limit(request, `password:${request.partner.userId}`);
        await changePassword(
          ctx,
          ownAccount(request.partner),
          partnerActor(request.partner),
          request.body,
          portalSessionToken(request, 'partner'),
        );
        return reply.status(204).send(null);
      },
    );
    scope.post(
      '/v1/partner/auth/logout',
      { schema: { tags, response: { 204: Type.Null(), ...errorResponses } } },
      async (request, reply) => {
        await closePortalSession(ctx, request, reply, 'partner');
        return reply.status(204).send(null);
      },
    );
    scope.get(
      '/v1/partner/entitlements',
      {
        schema: {
          tags,
          summary: 'Own entitlements, or a customer’s (the account switcher)',
          querystring: Type.Object({ customerId: Type.Optional(Id) }, { additionalProperties: false }),
          response: { 200: Entitlements, ...errorResponses },
        },
      },
      async (request) => {
        const { partner } = request;
        if (!request.query.customerId)
          return entitlementsOf(ctx.handle.db, partner.vendorId, { type: 'partner', id: partner.partnerId });
        const customer = await ownCustomer(ctx, partner, request.query.customerId);
        return entitlementsOf(ctx.handle.db, partner.vendorId, { type: 'customer', id: customer.id });
      },
    );
    scope.get(
      '/v1/partner/orders',
      { schema: { tags, querystring: PageQuery, response: { 200: listOf(Order), ...errorResponses } } },
      (request) =>
        listOrders(
          ctx.handle.db,
          request.partner.vendorId,
          { type: 'partner', id: request.partner.partnerId },
          request.query,
        ),
    );
    scope.get(
      '/v1/partner/customers',
      {
        schema: {
          tags,
          summary:
            "The partner's own customers by name: paged, and searched by words of name, contact or key",
          querystring: ByNameListQuery,
          response: { 200: listOf(Customer), ...errorResponses },
        },
      },
      (request) => listPartnerCustomers(ctx, request.partner, request.query),
    );
    scope.get(
      '/v1/partner/customers/:id',
      { schema: { tags, params: IdParams, response: { 200: Customer, ...errorResponses } } },
      async (request) => toCustomer(await ownCustomer(ctx, request.partner, request.params.id)),
    );
    scope.post(
      '/v1/partner/customers/:id/licenses',
      {
        schema: {
          tags,
          summary: 'Issue a license from the customer’s entitlements, on its behalf',
          params: IdParams,
          body: IssueBody,
          response: { 201: Issued, ...errorResponses },
        },
      },
      async (request, reply) => {
        const customer = await ownCustomer(ctx, request.partner, request.params.id);
        return reply
          .status(201)
          .send(
            await issueFromEntitlement(
              ctx,
              request.partner.vendorId,
              customer.id,
              partnerActor(request.partner),
              request.body,
            ),
          );
      },
    );
    scope.get(
      '/v1/partner/service-requests',
      {
        schema: {
          tags,
          summary: 'Renewal and order requests of this partner’s customers',
          querystring: PageQuery,
          response: { 200: listOf(ServiceRequest), ...errorResponses },
        },
      },
      (request) =>
        listServiceRequests(ctx, request.partner, { ...request.query, partnerId: request.partner.partnerId }),
    );
    scope.post(
      '/v1/partner/service-requests/:id/actions/fulfil',
      {
        schema: {
          tags,
          summary: 'Fulfil a customer’s renewal request',
          params: IdParams,
          response: { 200: ServiceRequest, ...errorResponses },
        },
      },
      // The partner renews its own customers' licenses: the request is looked up among them only.
      (request) =>
        fulfilServiceRequest(
          ctx,
          {
            vendorId: request.partner.vendorId,
            actor: partnerActor(request.partner),
            partnerId: request.partner.partnerId,
          },
          request.params.id,
          {},
        ),
    );
    scope.get(
      '/v1/partner/drawdowns',
      { schema: { tags, querystring: PageQuery, response: { 200: listOf(Drawdown), ...errorResponses } } },
      (request) => listPartnerDrawdowns(ctx, request.partner, request.query),
    );
    scope.get(
      '/v1/partner/drawdowns/:id',
      { schema: { tags, params: IdParams, response: { 200: Drawdown, ...errorResponses } } },
      (request) => getPartnerDrawdown(ctx, request.partner, request.params.id),
    );
    scope.post(
      '/v1/partner/drawdowns',
      {
        schema: {
          tags,
          summary: 'A new draw-down request from one order; saved as submitted unless submit is false',
          body: Type.Object(
            { ...DrawdownBody, submit: Type.Optional(Type.Boolean()) },
            { additionalProperties: false },
          ),
          response: { 201: Drawdown, ...errorResponses },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createDrawdown(ctx, request.partner, request.body)),
    );
    scope.patch(
      '/v1/partner/drawdowns/:id',
      {
        schema: {
          tags,
          params: IdParams,
          body: Type.Object(DrawdownBody, { additionalProperties: false }),
          response: { 200: Drawdown, ...errorResponses },
        },
      },
      (request) => updateDraft(ctx, request.partner, request.params.id, request.body),
    );
    scope.post(
      '/v1/partner/drawdowns/:id/actions/:action',
      {
        schema: {
          tags,
          summary:
            'submit (a draft) | accept (an approved request: the transfer happens) | clone (a new draft)',
          params: Type.Object({
            id: Id,
            action: Type.Union([Type.Literal('submit'), Type.Literal('accept'), Type.Literal('clone')]),
          }),
          response: { 200: Drawdown, 201: Drawdown, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { id, action } = request.params;
        if (action === 'clone') return reply.status(201).send(await cloneDrawdown(ctx, request.partner, id));
        return action === 'submit'
          ? submitDrawdown(ctx, request.partner, id)
          : acceptDrawdown(ctx, request.partner, id);
      },
    );
  });
};
