/** What one grant of a license type covers (DESIGN §2). */
export const SCOPES = ['installation', 'tenant', 'seat', 'floating', 'unlimited'] as const;
export type Scope = (typeof SCOPES)[number];

export const MODES = ['subscription', 'perpetual', 'trial', 'test', 'nfr'] as const;
export type Mode = (typeof MODES)[number];

export const RESOURCE_KINDS = [
  'machine',
  'agent',
  'device',
  'tenant',
  'robot',
  'user',
  'database',
  'installation',
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** The resource kind a scope binds to when the license type does not name one. */
export function boundKind(scope: Scope, resourceKind: ResourceKind | null): ResourceKind | null {
  if (resourceKind) return resourceKind;
  if (scope === 'installation') return 'installation';
  if (scope === 'tenant') return 'tenant';
  if (scope === 'seat') return 'machine';
  return null;
}

/** How many resources one grant may be bound to at once; null = no limit, 0 = never bound. */
export function seatLimit(scope: Scope, maxSeats: number | null): number | null {
  switch (scope) {
    case 'installation':
    case 'tenant':
      return 1;
    case 'seat':
      return maxSeats ?? 1;
    case 'unlimited':
      return null;
    case 'floating':
      return 0;
  }
}

/** Scopes whose grant does nothing until it is bound to a resource. */
export function needsBinding(scope: Scope): boolean {
  return scope === 'installation' || scope === 'tenant' || scope === 'seat';
}
