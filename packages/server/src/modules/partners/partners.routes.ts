import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, listOf } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { createPartner, listPartners } from './partners.service.js';

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
