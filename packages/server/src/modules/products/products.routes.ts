import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { errorResponses, IdParams, listOf } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { createProduct, deleteProduct, getProduct, listProducts, updateProduct } from './products.service.js';

export const Product = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  archived: Type.Boolean(),
  createdAt: Type.String(),
});
const ProductCode = Type.String({
  pattern: '^[a-z0-9][a-z0-9._-]{0,63}$',
  description: 'lower-case code apps send, e.g. aistudio',
});

export const productRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/products',
    { schema: { tags: ['catalog'], response: { 200: listOf(Product), ...errorResponses } } },
    (request) => listProducts(ctx, request.principal),
  );
  app.get(
    '/v1/products/:id',
    { schema: { tags: ['catalog'], params: IdParams, response: { 200: Product, ...errorResponses } } },
    (request) => getProduct(ctx, request.principal, request.params.id),
  );
  app.post(
    '/v1/products',
    {
      schema: {
        tags: ['catalog'],
        body: Type.Object(
          { code: ProductCode, name: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 201: Product, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createProduct(ctx, request.principal, actorOf(request.principal), request.body)),
  );
  app.patch(
    '/v1/products/:id',
    {
      schema: {
        tags: ['catalog'],
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            archived: Type.Optional(
              Type.Boolean({ description: 'archived: no new issues; what was issued stays valid' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Product, ...errorResponses },
      },
    },
    (request) =>
      updateProduct(ctx, request.principal, actorOf(request.principal), request.params.id, request.body),
  );
  app.delete(
    '/v1/products/:id',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Delete a product never issued, sold or put in coupons (409 IN_USE otherwise: archive it)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteProduct(ctx, request.principal, actorOf(request.principal), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
