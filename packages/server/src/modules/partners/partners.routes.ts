import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, IdParams, Language, listOf } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { createPartner, createPartnerUser, listPartners, listPartnerUsers } from './partners.service.js';

const Partner = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String() });

export const partnerRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/partners',
    { schema: { tags: ['partners'], response: { 200: listOf(Partner), ...errorResponses } } },
    (request) => listPartners(ctx, request.principal),
  );
  app.post(
    '/v1/partners',
    {
      schema: {
        tags: ['partners'],
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 201: Partner, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createPartner(ctx, request.principal, actorOf(request.principal), request.body)),
  );
};

const PartnerUser = Type.Object({
  id: Type.String(),
  partnerId: Type.String(),
  email: Type.String(),
  name: Type.String(),
  language: Type.String(),
  createdAt: Type.String(),
});

export const partnerUserRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/partners/:id/users',
    {
      schema: {
        tags: ['partners'],
        params: IdParams,
        response: { 200: listOf(PartnerUser), ...errorResponses },
      },
    },
    (request) => listPartnerUsers(ctx, request.principal, request.params.id),
  );
  app.post(
    '/v1/partners/:id/users',
    {
      config: { minRole: 'admin' },
      schema: {
        tags: ['partners'],
        summary: 'A partner-portal login (admin); without a password, an invitation to set one is mailed',
        params: IdParams,
        body: Type.Object(
          {
            email: Type.String({ format: 'email', maxLength: 254 }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            password: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
            language: Type.Optional(Language),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Intersect([
            PartnerUser,
            Type.Object({
              invited: Type.Boolean({ description: 'true: a link to set the password was mailed' }),
            }),
          ]),
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await createPartnerUser(
            ctx,
            request.principal,
            actorOf(request.principal),
            request.params.id,
            request.body,
          ),
        ),
  );
};
