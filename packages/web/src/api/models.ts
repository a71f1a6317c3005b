/**
 * Names for the server's answers that pages pass around, each taken from the generated OpenAPI types
 * (schema.d.ts): a route's answer or one item of its list. Nothing here is written by hand.
 */
import type { Answer, Item } from './client';

export type Product = Item<'/v1/products'>;
export type Customer = Answer<'/v1/customers/{id}'>;
export type Partner = Item<'/v1/partners'>;
export type KeyCard = Answer<'/v1/keys/{id}'>;
export type Redemption = Item<'/v1/keys/{id}/redemptions'>;
export type Order = Item<'/v1/orders'>;
/** What an account may still draw down, one row per license type (the three portals' rows are alike). */
export type Entitlement = Answer<'/v1/customer/entitlements'>['data'][number];
export type Drawdown = Answer<'/v1/drawdowns/{id}'>;
/** A customer's "renew" or "order a new license" request, with what it is about. */
export type ServiceRequest = Item<'/v1/service-requests'>;
