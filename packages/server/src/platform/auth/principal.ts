import type { Actor } from '../context.js';
import type { Role } from './roles.js';

/** The authenticated caller of a management request. */
export interface Principal {
  readonly vendorId: string;
  readonly role: Role;
  readonly userId: string | null;
  readonly tokenId: string | null;
  readonly name: string;
  /** Set when authenticated by the web session cookie: writes must then carry this CSRF token. */
  readonly csrfToken: string | null;
}

export function actorOf(principal: Principal): Actor {
  return principal.tokenId
    ? { type: 'token', id: principal.tokenId, name: principal.name, channel: 'api' }
    : { type: 'user', id: principal.userId, name: principal.name, channel: 'cabinet' };
}
