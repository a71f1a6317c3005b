/** Shapes of the server's answers that pages read (the OpenAPI document is the full truth). */
export interface List<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Me {
  user: { id: string; email: string; name: string; role: string };
  vendor: { id: string; name: string; prefix: string };
  csrfToken: string;
}

export interface Product {
  id: string;
  code: string;
  name: string;
  archived: boolean;
}

export interface Term {
  unit: 'day' | 'month' | 'year';
  count: number;
}

export interface LicenseType {
  id: string;
  productId: string;
  productCode: string;
  name: string;
  archived: boolean;
  scope: string;
  resourceKind: string | null;
  mode: string;
  term: Term | null;
  maxSeats: number | null;
  maxSessions: number | null;
  heartbeatSeconds: number | null;
  capabilities: string[];
  bindingLocked: boolean;
  graceDays: number;
}

export interface Customer {
  id: string;
  name: string;
  contactName: string | null;
  phone: string | null;
  email: string | null;
  website: string | null;
  partnerId: string | null;
  managerId: string | null;
  comment: string | null;
  /** The language of the e-mails the customer gets. */
  language: 'en' | 'ru';
  keys?: { id: string; key: string; status: string; createdAt: string }[];
}

/** A customer's "renew" or "order a new license" request, with what it is about. */
export interface ServiceRequest {
  id: string;
  customerName: string | null;
  kind: 'renew' | 'order';
  licenseId: string | null;
  key: string | null;
  productId: string | null;
  productName: string | null;
  licenseTypeId: string | null;
  licenseTypeName: string | null;
  term: { unit: 'day' | 'month' | 'year'; count: number } | null;
  quantity: number;
  comment: string | null;
  state: string;
  createdAt: string;
}

export interface License {
  id: string;
  keyId: string;
  productCode: string;
  productName: string;
  licenseTypeName: string;
  scope: string;
  mode: string;
  status: string;
  startsAt: string;
  expiresAt: string | null;
  maxSeats: number | null;
  seatsUsed: number;
}

export interface Resource {
  kind: string;
  id: string;
  name: string | null;
}

export interface KeyCard {
  id: string;
  key: string;
  status: string;
  customerId: string;
  deletedAt: string | null;
  customer: Customer;
  licenses: License[];
  bindings: { id: string; licenseId: string; productCode: string; resource: Resource; createdAt: string }[];
  sessions: {
    id: string;
    productCode: string;
    resource: Resource;
    startedAt: string;
    lastHeartbeatAt: string;
    expiresAt: string;
  }[];
}

export interface Redemption {
  id: string;
  couponId: string;
  code?: string;
  keyId: string;
  key?: string;
  channel: string;
  actor: { type: string; id: string | null; name: string | null };
  effect: {
    created: string[];
    extended: { licenseId: string; from: string; to: string }[];
    superseded: string[];
  };
  redeemedAt: string;
  revertedAt: string | null;
}

export interface Coupon {
  id: string;
  code: string;
  batchId: string;
  type: string;
  partnerId: string | null;
  reusable: boolean;
  comment: string | null;
  state: string;
  redemptions: number;
  createdAt: string;
}

export interface Partner {
  id: string;
  name: string;
}

export interface Order {
  id: string;
  account: { type: string; id: string };
  reference: string;
  createdAt: string;
  items: {
    id: string;
    licenseTypeId: string;
    licenseTypeName: string;
    productName: string;
    quantity: number;
    term: Term | null;
  }[];
}

export interface Entitlement {
  licenseTypeId: string;
  licenseTypeName: string;
  productName: string;
  purchased: number;
  received: number;
  allocated: number;
  available: number;
}

export interface Drawdown {
  id: string;
  reference: string;
  partnerId: string;
  partnerName: string | null;
  orderId: string;
  orderReference: string | null;
  customerId: string | null;
  customerName: string | null;
  newCustomer:
    | { name: string; website?: string; contactName?: string; email?: string }
    | { id: string }
    | null;
  items: {
    orderItemId: string;
    quantity: number;
    licenseTypeId: string | null;
    licenseTypeName: string | null;
    productName: string | null;
  }[];
  state: string;
  rejectionReason: string | null;
  clonedFrom: string | null;
  createdAt: string;
}

export interface AppEvent {
  id: string;
  at: string;
  actor: { type: string; id: string | null; name: string | null };
  channel: string;
  type: string;
  subjectType: string;
  subjectId: string;
}
