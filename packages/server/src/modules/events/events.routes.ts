import { Type } from 'typebox';
import { errorResponses, listOf, Timestamp } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { listEvents } from './events.service.js';

const NullableString = Type.Union([Type.Null(), Type.String()]);
const Event = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.Object({ type: Type.String(), id: NullableString, name: NullableString }),
  channel: Type.String({ description: 'api | cabinet | app | cli | job' }),
  type: Type.String(),
  subjectType: Type.String(),
  subjectId: Type.String(),
  keyId: NullableString,
  customerId: NullableString,
  before: Type.Unknown(),
  after: Type.Unknown(),
});

export const eventRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/events',
    {
      schema: {
        tags: ['events'],
        summary: 'The event log, filterable by key, customer, type (exact or `family.*`) and time',
        querystring: Type.Object(
          {
            keyId: Type.Optional(Type.String({ maxLength: 64 })),
            customerId: Type.Optional(Type.String({ maxLength: 64 })),
            type: Type.Optional(Type.String({ maxLength: 100 })),
            from: Type.Optional(Timestamp),
            to: Type.Optional(Timestamp),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
            cursor: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: listOf(Event), ...errorResponses },
      },
    },
    (request) => listEvents(ctx, request.principal, request.query),
  );
};
