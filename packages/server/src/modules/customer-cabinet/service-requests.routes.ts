import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, IdParams, listOf, PageQuery } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { ServiceRequest } from './customer-cabinet.routes.js';
import { createCustomerUser, fulfilAsStaff, listServiceRequests } from './self-service.service.js';

/** The vendor's side of the customer cabinet: logins for customers, and their renewal and order requests. */
export const serviceRequestRoutes: RouteModule = (app, ctx) => {
  app.post(
    '/v1/customers/:id/users',
    {
      schema: {
        tags: ['customers'],
        summary: 'A customer-cabinet login (e-mail + password; a generated password is shown once)',
        params: IdParams,
        body: Type.Object(
          {
            email: Type.String({ format: 'email', maxLength: 254 }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            password: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            id: Type.String(),
            customerId: Type.String(),
            email: Type.String(),
            name: Type.String(),
            invited: Type.Boolean({ description: 'true: a link to set the password was mailed' }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await createCustomerUser(
            ctx,
            request.principal,
            actorOf(request.principal),
            request.params.id,
            request.body,
          ),
        ),
  );
  app.get(
    '/v1/service-requests',
    {
      schema: {
        tags: ['customers'],
        summary: 'Customers’ renewal and order requests',
        querystring: Type.Object(
          {
            state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('fulfilled')])),
            ...PageQuery.properties,
          },
          { additionalProperties: false },
        ),
        response: { 200: listOf(ServiceRequest), ...errorResponses },
      },
    },
    (request) => listServiceRequests(ctx, request.principal, request.query),
  );
  app.post(
    '/v1/service-requests/:id/actions/fulfil',
    {
      schema: {
        tags: ['customers'],
        summary: 'Fulfil: a renewal renews the license; an order issues a license of the given type',
        params: IdParams,
        body: Type.Object(
          { licenseTypeId: Type.Optional(Type.String({ maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: { 200: ServiceRequest, ...errorResponses },
      },
    },
    (request) =>
      fulfilAsStaff(ctx, request.principal, actorOf(request.principal), request.params.id, request.body),
  );
};
