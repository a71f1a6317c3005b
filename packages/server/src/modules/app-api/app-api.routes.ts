import { heartbeatEcho, redeemEcho, useEcho } from '@licensor/core';
import fastJson from 'fast-json-stringify';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { keyCheckLimit } from '../../platform/auth/rate-limit.js';
import { type AppContext, appActor } from '../../platform/context.js';
import type { DirectAnswer, DirectClient } from '../../platform/http/direct-lane/index.js';
import type { Metrics } from '../../platform/http/metrics.js';
import { ErrorBody, IdParams } from '../../platform/http/schemas.js';
import type { Api } from '../../platform/http/types.js';
import { answerSignatureFor } from '../../platform/signing.js';
import { RedeemBody, Redeemed } from '../coupons/coupons.routes.js';
import { redeemCoupon } from '../coupons/redemptions.service.js';
import { ValidationTally } from '../dashboard/validation-tally.js';
import { activate, deactivate } from './activation.service.js';
import { checkin, checkout, heartbeat } from './sessions.service.js';
import { type ValidateInput, validateKey } from './validate.service.js';
import { createValidationReader } from './validation-reader.js';

const KeyString = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'the license key, in any case, dashes optional',
});
const ProductCode = Type.String({ minLength: 1, maxLength: 64 });
const ResourceRef = Type.Object(
  { kind: Type.String({ minLength: 1, maxLength: 32 }), id: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
const NamedResource = Type.Object(
  {
    kind: Type.String({ minLength: 1, maxLength: 32 }),
    id: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    metadata: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32 }),
    ),
  },
  { additionalProperties: false },
);
const Nonce = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'any value of the client’s; echoed in `request`',
  }),
);
const EchoedResource = Type.Object({ kind: Type.String(), id: Type.String() });
/** What a signed answer repeats of its request, and when it was made (DESIGN §4). */
const Echo = <T extends Record<string, Parameters<typeof Type.Object>[0][string]>>(fields: T) => ({
  ts: Type.String({ description: 'when the server answered; clients refuse stale answers' }),
  request: Type.Object({ ...fields, nonce: Type.Union([Type.Null(), Type.String()]) }),
});
const UseEcho = Echo({ key: Type.String(), product: Type.String(), resource: EchoedResource });

const Errors = {
  400: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  410: ErrorBody,
  413: ErrorBody,
  429: ErrorBody,
};

const ValidationAnswer = Type.Object({
  valid: Type.Boolean(),
  code: Type.String({
    description:
      'NOT_FOUND, SUSPENDED, REVOKED, PRODUCT_NOT_LICENSED, NOT_STARTED, EXPIRED, GRACE_PERIOD, NOT_ACTIVATED, CAPABILITY_MISSING, TOO_MANY_SESSIONS or VALID',
  }),
  detail: Type.String(),
  ts: Type.String(),
  nonce: Type.Optional(Type.String()),
  key: Type.Union([
    Type.Null(),
    Type.Object({ id: Type.String(), customer: Type.Object({ id: Type.String(), name: Type.String() }) }),
  ]),
  licenses: Type.Array(
    Type.Object({
      id: Type.String(),
      product: Type.String(),
      type: Type.String(),
      scope: Type.String(),
      mode: Type.String(),
      status: Type.String(),
      startsAt: Type.String(),
      expiresAt: Type.Union([Type.Null(), Type.String()]),
      capabilities: Type.Array(Type.String()),
    }),
  ),
  capabilities: Type.Array(Type.String()),
  expiresAt: Type.Union([Type.Null(), Type.String()]),
  request: Echo({
    key: Type.String(),
    product: Type.String(),
    resource: Type.Union([Type.Null(), EchoedResource]),
    fingerprint: Type.Union([Type.Null(), Type.String()]),
    capabilities: Type.Array(Type.String()),
  }).request,
});

const Binding = Type.Object({
  id: Type.String(),
  licenseId: Type.String(),
  product: Type.String(),
  resource: Type.Object({
    kind: Type.String(),
    id: Type.String(),
    name: Type.Union([Type.Null(), Type.String()]),
  }),
  createdAt: Type.String(),
});
const ActivationAnswer = Type.Object({ ...Binding.properties, ...UseEcho });

/** How often a process adds its validation counts to the dashboard's table. */
const TALLY_FLUSH_MS = 5_000;

const SIGNATURE_NOTE =
  'Signed: header `Licensor-Signature: kid="…", alg="ed25519", sig="…"` over the exact body bytes; with request ' +
  'header `Licensor-Accept-Signature: ed25519-tree`, `alg="ed25519-tree", sig="…", index="…", path="…"`: the ' +
  'signature covers the root of a SHA-256 tree of one turn’s answers, reached from this body by its index and path.';

/**
 * The app API (DESIGN §4): what vendors' applications call with a license key. Every JSON answer is
 * serialized once and signed over those exact bytes, so a fake server cannot answer for us.
 */
export function appApiRoutes(app: Api, ctx: AppContext, metrics: Metrics): void {
  const reader = createValidationReader(ctx.handle);
  const limit = keyCheckLimit(app, ctx.config.validateRateLimit);
  const tally = new ValidationTally();
  const flushTally = () =>
    tally
      .flush(ctx.handle)
      .catch((error) => app.log.warn({ err: error }, 'validation counts not written yet'));
  const flushing = setInterval(flushTally, TALLY_FLUSH_MS).unref();
  app.addHook('onClose', async () => {
    clearInterval(flushing);
    await flushTally();
  });

  const echoed = <T>(request: T) => ({ ts: ctx.clock.now().toISOString(), request });

  const sendAnswer = (reply: FastifyReply, answer: DirectAnswer) =>
    reply.status(answer.status).headers(answer.headers).send(answer.body);

  async function sendSigned(
    reply: FastifyReply,
    vendorId: string | null,
    status: number,
    payload: unknown,
    activeKid?: string | null,
  ) {
    // The route's compiled response schema writes the body (several times faster than JSON.stringify); the
    // signature covers exactly these bytes.
    const body = reply.status(status).serialize(payload) as string;
    if (vendorId) {
      const alg = answerSignatureFor(reply.request.headers['licensor-accept-signature']);
      reply.header('licensor-signature', await ctx.signer.signatureHeader(vendorId, body, activeKid, alg));
    }
    return reply.type('application/json; charset=utf-8').send(body);
  }

  const serializeValidation = fastJson(ValidationAnswer);
  /** A validation's signed answer, for the route's handler and the direct lane alike. */
  async function answerValidation(input: ValidateInput, client: DirectClient): Promise<DirectAnswer> {
    await limit(client);
    const result = await validateKey(ctx, reader, input);
    metrics.validations.inc({ code: result.answer.code });
    const vendorId =
      result.key?.vendor_id ??
      (result.vendorPrefix ? await ctx.signer.vendorIdFor(result.vendorPrefix) : null);
    const body = serializeValidation(result.answer);
    const headers: Record<string, string> = {};
    if (vendorId) {
      tally.add(vendorId, result.answer.code, result.answer.ts);
      const alg = answerSignatureFor(client.header('licensor-accept-signature'));
      headers['licensor-signature'] = await ctx.signer.signatureHeader(
        vendorId,
        body,
        result.key?.active_kid,
        alg,
      );
    }
    headers['content-type'] = 'application/json; charset=utf-8';
    return { status: 200, headers, body };
  }

  app.post(
    '/v1/validate',
    {
      config: { forApps: true, direct: answerValidation },
      schema: {
        tags: ['app'],
        summary: 'Validate a key for a product (outcomes are 200 with valid:false and a code)',
        description: SIGNATURE_NOTE,
        body: Type.Object(
          {
            key: KeyString,
            product: ProductCode,
            fingerprint: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            resource: Type.Optional(ResourceRef),
            capabilities: Type.Optional(
              Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 }),
            ),
            nonce: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ValidationAnswer, ...Errors },
      },
    },
    async (request, reply) => {
      const answer = await answerValidation(request.body, {
        ip: request.ip,
        header: (name) => request.headers[name] as string | undefined,
      });
      return sendAnswer(reply, answer);
    },
  );

  app.post(
    '/v1/activate',
    {
      config: { forApps: true },
      schema: {
        tags: ['app'],
        summary: 'Bind a resource to a free seat (idempotent); 409 SEATS_EXHAUSTED when none is free',
        description: SIGNATURE_NOTE,
        body: Type.Object(
          { key: KeyString, product: ProductCode, resource: NamedResource, nonce: Nonce },
          { additionalProperties: false },
        ),
        response: { 200: ActivationAnswer, 201: ActivationAnswer, ...Errors },
      },
    },
    async (request, reply) => {
      await limit(request);
      const result = await activate(ctx, reader, request.body);
      return sendSigned(
        reply,
        result.vendorId,
        result.created ? 201 : 200,
        { ...result.binding, ...echoed(useEcho(request.body)) },
        result.activeKid,
      );
    },
  );

  app.post(
    '/v1/deactivate',
    {
      config: { forApps: true },
      schema: {
        tags: ['app'],
        summary: 'Free a resource’s seat; 409 BINDING_LOCKED where the type forbids it',
        body: Type.Object(
          { key: KeyString, product: ProductCode, resource: ResourceRef },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...Errors },
      },
    },
    async (request, reply) => {
      await limit(request);
      await deactivate(ctx, request.body);
      return reply.status(204).send(null);
    },
  );

  const SessionAnswer = Type.Object({ id: Type.String(), expiresAt: Type.String(), ...UseEcho });
  app.post(
    '/v1/sessions',
    {
      config: { forApps: true },
      schema: {
        tags: ['app'],
        summary: 'Check out a session (floating: 409 TOO_MANY_SESSIONS when all are in use)',
        description: SIGNATURE_NOTE,
        body: Type.Object(
          {
            key: KeyString,
            product: ProductCode,
            resource: Type.Object(
              {
                kind: Type.String({ minLength: 1, maxLength: 32 }),
                id: Type.String({ minLength: 1, maxLength: 200 }),
                name: Type.Optional(Type.String({ maxLength: 200 })),
              },
              { additionalProperties: false },
            ),
            ttlSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86_400 })),
            nonce: Nonce,
          },
          { additionalProperties: false },
        ),
        response: { 201: SessionAnswer, ...Errors },
      },
    },
    async (request, reply) => {
      await limit(request);
      const session = await checkout(ctx, reader, request.body);
      return sendSigned(
        reply,
        session.vendorId,
        201,
        { id: session.id, expiresAt: session.expiresAt, ...echoed(useEcho(request.body)) },
        session.activeKid,
      );
    },
  );

  app.post(
    '/v1/sessions/:id/heartbeat',
    {
      config: { forApps: true },
      schema: {
        tags: ['app'],
        summary: 'Keep a session alive',
        description: SIGNATURE_NOTE,
        params: IdParams,
        body: Type.Object({ nonce: Nonce }, { additionalProperties: false }),
        response: {
          200: Type.Object({ expiresAt: Type.String(), ...Echo({ session: Type.String() }) }),
          ...Errors,
        },
      },
    },
    async (request, reply) => {
      const result = await heartbeat(ctx, request.params.id);
      return sendSigned(
        reply,
        result.vendorId,
        200,
        { expiresAt: result.expiresAt, ...echoed(heartbeatEcho(request.params.id, request.body.nonce)) },
        result.activeKid,
      );
    },
  );

  app.delete(
    '/v1/sessions/:id',
    {
      config: { forApps: true },
      schema: {
        tags: ['app'],
        summary: 'Check a session in',
        params: IdParams,
        response: { 204: Type.Null(), ...Errors },
      },
    },
    async (request, reply) => {
      await checkin(ctx, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/coupons/redeem',
    {
      config: { forApps: true },
      schema: {
        tags: ['app'],
        summary: 'Redeem a coupon on a key; answers the key’s licenses after redemption',
        description: SIGNATURE_NOTE,
        body: Type.Object({ ...RedeemBody.properties, nonce: Nonce }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            ...Redeemed.properties,
            ...Echo({ key: Type.String(), coupon: Type.String() }),
          }),
          ...Errors,
        },
      },
    },
    async (request, reply) => {
      await limit(request);
      const { nonce, ...coupon } = request.body;
      const { vendorId, ...redeemed } = await redeemCoupon(ctx, { actor: appActor }, coupon);
      return sendSigned(reply, vendorId, 200, { ...redeemed, ...echoed(redeemEcho({ ...coupon, nonce })) });
    },
  );
}
