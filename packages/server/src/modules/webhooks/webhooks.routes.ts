import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, IdParams, listOf } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import {
  createEndpoint,
  deleteEndpoint,
  listDeliveries,
  listEndpoints,
  redeliver,
  updateEndpoint,
} from './webhooks.service.js';

const NullableString = Type.Union([Type.Null(), Type.String()]);
const Pattern = Type.String({
  pattern: '^(\\*|[a-z_]+(\\.[a-z_]+)*(\\.\\*)?)$',
  description: '*, a family like license.*, or an event name',
});
const Endpoint = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabledReason: NullableString,
  createdAt: Type.String(),
});
const Delivery = Type.Object({
  id: Type.String(),
  endpointId: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  state: Type.String({ description: 'pending | delivered | failed' }),
  attempts: Type.Integer(),
  lastStatus: Type.Union([Type.Null(), Type.Integer()]),
  lastError: NullableString,
  createdAt: Type.String(),
  deliveredAt: NullableString,
});

export const webhookRoutes: RouteModule = (app, ctx) => {
  const tags = ['webhooks'];
  app.get(
    '/v1/webhooks',
    { schema: { tags, response: { 200: listOf(Endpoint), ...errorResponses } } },
    (request) => listEndpoints(ctx, request.principal),
  );
  app.post(
    '/v1/webhooks',
    {
      config: { minRole: 'admin' },
      schema: {
        tags,
        summary: 'Add an endpoint; payloads are signed per Standard Webhooks with the secret shown once',
        body: Type.Object(
          {
            url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }),
            events: Type.Array(Pattern, { minItems: 1, maxItems: 50 }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Intersect([Endpoint, Type.Object({ secret: Type.String() })]),
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createEndpoint(ctx, request.principal, actorOf(request.principal), request.body)),
  );
  app.patch(
    '/v1/webhooks/:id',
    {
      config: { minRole: 'admin' },
      schema: {
        tags,
        params: IdParams,
        body: Type.Object(
          {
            enabled: Type.Optional(Type.Boolean()),
            events: Type.Optional(Type.Array(Pattern, { minItems: 1, maxItems: 50 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Endpoint, ...errorResponses },
      },
    },
    (request) =>
      updateEndpoint(ctx, request.principal, actorOf(request.principal), request.params.id, request.body),
  );
  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'The delivery log',
        params: IdParams,
        response: { 200: listOf(Delivery), ...errorResponses },
      },
    },
    (request) => listDeliveries(ctx, request.principal, request.params.id),
  );
  app.delete(
    '/v1/webhooks/:id',
    {
      config: { minRole: 'admin' },
      schema: {
        tags,
        summary: 'Delete an endpoint and its delivery log',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteEndpoint(ctx, request.principal, actorOf(request.principal), request.params.id);
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/v1/webhook-deliveries/:id/actions/redeliver',
    {
      config: { minRole: 'admin' },
      schema: { tags, params: IdParams, response: { 200: Delivery, ...errorResponses } },
    },
    (request) => redeliver(ctx, request.principal, request.params.id),
  );
};
