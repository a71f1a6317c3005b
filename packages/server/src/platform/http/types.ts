import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { Role } from '../auth/roles.js';
import type { AppContext } from '../context.js';
import type { DirectHandler } from './direct-lane/index.js';

export type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** A module's routes: registered on the app (or a scope of it) with the shared context. */
export type RouteModule = (app: Api, ctx: AppContext) => void;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on management routes by the authentication hook. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /**
     * The least staff role a management write route needs (`manager` when unset; reads need `support`).
     * Checked before the body is read, so a forbidden caller learns nothing from validation errors.
     */
    minRole?: Role;
    /**
     * The route answers applications, not browsers (the app API): its answers carry only the headers a JSON
     * client heeds, not the page policies.
     */
    forApps?: boolean;
    /**
     * The route is also answered by the direct lane (`direct-lane/`), by this same function, for the requests it
     * reads whole; its handler should call it too, so that both answer alike.
     */
    direct?: DirectHandler;
  }
}
