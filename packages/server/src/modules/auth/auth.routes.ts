import { Type } from 'typebox';
import { SESSION_COOKIE } from '../../platform/auth/authenticate.js';
import { actorOf, type Principal } from '../../platform/auth/principal.js';
import { loginLimit } from '../../platform/auth/rate-limit.js';
import { ROLES } from '../../platform/auth/roles.js';
import { AppError } from '../../platform/errors.js';
import { ErrorBody, errorResponses, IdParams, Language, Timestamp } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import {
  createToken,
  createUser,
  listTokens,
  listUsers,
  login,
  logout,
  me,
  revokeToken,
  updateUser,
} from './auth.service.js';
import { requestPasswordReset, setPasswordWithLink } from './password-links.service.js';
import { PasswordChange, ProfileChanges } from './profile.schema.js';
import { changePassword, type ProfileAccount, updateProfile } from './profile.service.js';

const Role = Type.Union(ROLES.map((role) => Type.Literal(role)));
const Me = Type.Object({
  user: Type.Object({
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: Type.String(),
    language: Language,
  }),
  vendor: Type.Object({ id: Type.String(), name: Type.String(), prefix: Type.String() }),
  csrfToken: Type.String({ description: 'send back as x-csrf-token on every cookie-authenticated write' }),
});
const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.String(),
  disabled: Type.Boolean(),
  createdAt: Type.String(),
});
const Token = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.Null(), Type.String()]),
  expiresAt: Type.Union([Type.Null(), Type.String()]),
});

/** Login is the one cabinet route reachable without a session. */
export const loginRoutes: RouteModule = (app, ctx) => {
  const limit = loginLimit(ctx);
  app.post(
    '/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in to the cabinet (sets an HttpOnly session cookie)',
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
        response: { 200: Me, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      await limit(request, request.body.email);
      const result = await login(ctx, request.body.email, request.body.password, request.body.vendor);
      reply.setCookie(SESSION_COOKIE, result.sessionToken, {
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.config.publicUrl.startsWith('https:'),
        path: '/',
        expires: result.expiresAt,
      });
      return result.me;
    },
  );

  app.post(
    '/v1/password-resets',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Forgot password: mails a reset link (valid an hour) to the accounts of a portal with this e-mail',
        description: 'The answer is 202 whether or not an account exists.',
        body: Type.Object(
          {
            portal: Type.Union([Type.Literal('vendor'), Type.Literal('partner'), Type.Literal('customer')]),
            email: Type.String({ minLength: 3, maxLength: 254 }),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({}), 400: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      await limit(request, request.body.email);
      await requestPasswordReset(ctx, request.body.portal, request.body.email);
      return reply.status(202).send({});
    },
  );

  app.post(
    '/v1/passwords',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set a password with the token of an invitation or reset link (single use)',
        body: Type.Object(
          {
            token: Type.String({ minLength: 10, maxLength: 200 }),
            password: Type.String({ minLength: 8, maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            portal: Type.String({ description: 'vendor | partner | customer: where to log in' }),
          }),
          400: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (request) => {
      await limit(request, 'password-link');
      return setPasswordWithLink(ctx, request.body.token, request.body.password);
    },
  );
};

/** The user behind a cabinet session; an API token has no profile of its own. */
function ownAccount(principal: Principal): ProfileAccount {
  if (!principal.userId)
    throw new AppError('FORBIDDEN', 'an API token has no profile: log in to the cabinet as a user');
  return { table: 'users', vendorId: principal.vendorId, id: principal.userId };
}

export const authRoutes: RouteModule = (app, ctx) => {
  const limit = loginLimit(ctx);
  app.get(
    '/v1/auth/me',
    { schema: { tags: ['auth'], response: { 200: Me, ...errorResponses } } },
    (request) => me(ctx, request.principal),
  );

  app.patch(
    '/v1/auth/me',
    {
      config: { minRole: 'support' },
      schema: {
        tags: ['auth'],
        summary: 'Change your own name, or the language of the e-mails you get',
        body: ProfileChanges,
        response: { 200: Me, ...errorResponses },
      },
    },
    async (request) => {
      await updateProfile(ctx, ownAccount(request.principal), actorOf(request.principal), request.body);
      return me(ctx, request.principal);
    },
  );

  app.post(
    '/v1/auth/me/password',
    {
      config: { minRole: 'support' },
      schema: {
        tags: ['auth'],
        summary: 'Change your own password (your other sessions end)',
        body: PasswordChange,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const account = ownAccount(request.principal);
      await limit(request, `password:${account.id}`);
      await changePassword(
        ctx,
        account,
        actorOf(request.principal),
        request.body,
        request.cookies[SESSION_COOKIE],
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      config: { minRole: 'support' },
      schema: { tags: ['auth'], response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie) await logout(ctx, cookie);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/users',
    {
      schema: {
        tags: ['users'],
        response: { 200: Type.Object({ data: Type.Array(User) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await listUsers(ctx, request.principal) }),
  );

  app.post(
    '/v1/users',
    {
      config: { minRole: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Add a staff user (admin); without a password, an invitation to set one is mailed',
        body: Type.Object(
          {
            email: Type.String({ format: 'email', maxLength: 254 }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            role: Role,
            password: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
            language: Type.Optional(Language),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Intersect([
            User,
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
        .send(await createUser(ctx, request.principal, actorOf(request.principal), request.body)),
  );

  app.patch(
    '/v1/users/:id',
    {
      config: { minRole: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Change a staff user’s role, or disable (re-enable) the user; owners only by an owner',
        params: IdParams,
        body: Type.Object(
          { role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: User, ...errorResponses },
      },
    },
    (request) =>
      updateUser(ctx, request.principal, actorOf(request.principal), request.params.id, request.body),
  );

  app.get(
    '/v1/tokens',
    {
      schema: {
        tags: ['tokens'],
        response: { 200: Type.Object({ data: Type.Array(Token) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await listTokens(ctx, request.principal) }),
  );

  app.post(
    '/v1/tokens',
    {
      config: { minRole: 'admin' },
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token (shown once, stored as a hash)',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            role: Role,
            expiresAt: Type.Optional(Timestamp),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Intersect([Token, Type.Object({ token: Type.String() })]), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createToken(ctx, request.principal, actorOf(request.principal), request.body)),
  );

  app.delete(
    '/v1/tokens/:id',
    {
      config: { minRole: 'admin' },
      schema: { tags: ['tokens'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await revokeToken(ctx, request.principal, actorOf(request.principal), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
