import { AppError } from '../errors.js';

/** Staff roles, most powerful first; `support` only reads. */
export const ROLES = ['owner', 'admin', 'manager', 'support'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { owner: 3, admin: 2, manager: 1, support: 0 };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function hasRole(role: Role, atLeast: Role): boolean {
  return RANK[role] >= RANK[atLeast];
}

export function assertRole(role: Role, atLeast: Role): void {
  if (!hasRole(role, atLeast))
    throw new AppError('FORBIDDEN', `this action needs the ${atLeast} role or higher`);
}
