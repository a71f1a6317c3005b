import type { Generated } from 'kysely';
/**
 * Table shapes shared by SQLite and PostgreSQL. To keep one set of migrations and one set of queries,
 * times are ISO-8601 UTC strings (they sort as text), flags are 0/1 integers and lists are JSON text.
 */
export interface VendorTable {
  id: string;
  name: string;
  prefix: string;
  settings: string;
  /** When the daily reminder scan last ran for this vendor (it then reads only what crossed a threshold since). */
  reminders_scanned_at: string | null;
  created_at: string;
}

export interface UserTable {
  id: string;
  vendor_id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  language: string;
  created_at: string;
  /** Set when an admin disabled the user: no login, no session. */
  disabled_at?: string | null;
}

export interface ApiTokenTable {
  id: string;
  vendor_id: string;
  name: string;
  role: string;
  token_hash: string;
  created_by: string | null;
  created_at: string;
  revoked_at: string | null;
  /** After this the token no longer authenticates (null: until revoked). */
  expires_at?: string | null;
}

export interface WebSessionTable {
  token_hash: string;
  user_id: string;
  vendor_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export interface SigningKeyTable {
  kid: string;
  vendor_id: string;
  private_key: string;
  public_key: string;
  created_at: string;
  retired_at: string | null;
  revoked_at: string | null;
}

export interface PartnerTable {
  id: string;
  vendor_id: string;
  name: string;
  created_at: string;
}

export interface ProductTable {
  id: string;
  vendor_id: string;
  code: string;
  name: string;
  created_at: string;
  /** Set when archived: hidden from new issues, still valid for what was issued. */
  archived_at?: string | null;
}

export interface LicenseTypeTable {
  id: string;
  vendor_id: string;
  product_id: string;
  name: string;
  scope: string;
  resource_kind: string | null;
  mode: string;
  term_unit: string | null;
  term_count: number | null;
  max_seats: number | null;
  max_sessions: number | null;
  heartbeat_seconds: number | null;
  capabilities: string;
  binding_locked: number;
  grace_days: number;
  created_at: string;
  /** Set when archived: hidden from new issues, still valid for what was issued. */
  archived_at?: string | null;
}

export interface CustomerTable {
  id: string;
  vendor_id: string;
  name: string;
  contact_name: string | null;
  phone: string | null;
  email: string | null;
  website: string | null;
  partner_id: string | null;
  manager_id: string | null;
  comment: string | null;
  /** 'en' or 'ru': the language of the e-mails the customer gets. */
  language: string;
  /** When the customer first logged in to its cabinet; null for stock that nobody has claimed. */
  cabinet_used_at?: string | null;
  created_at: string;
  updated_at: string;
}

export interface LicenseKeyTable {
  id: string;
  vendor_id: string;
  customer_id: string;
  key: string;
  status: string;
  created_at: string;
  deleted_at: string | null;
}

export interface LicenseTable {
  id: string;
  vendor_id: string;
  key_id: string;
  product_id: string;
  license_type_id: string;
  starts_at: string;
  expires_at: string | null;
  suspended_at: string | null;
  revoked_at: string | null;
  superseded_at: string | null;
  created_at: string;
  updated_at: string;
  /** Sessions started on this license and not yet ended (migration 0022): what `maxSessions` limits. */
  live_sessions: Generated<number>;
  /** Resources bound to the license, kept by the database's triggers on `bindings` (migration 0027). */
  bound_seats: Generated<number>;
}

export interface BindingTable {
  id: string;
  vendor_id: string;
  license_id: string;
  resource_kind: string;
  resource_id: string;
  resource_name: string | null;
  metadata: string;
  created_at: string;
}

export interface SessionTable {
  id: string;
  vendor_id: string;
  license_id: string;
  key_id: string;
  resource_kind: string;
  resource_id: string;
  resource_name: string | null;
  started_at: string;
  last_heartbeat_at: string;
  expires_at: string;
  ended_at: string | null;
  end_reason: string | null;
  /** The TTL it was opened with, which each heartbeat grants again (null on sessions ended before 0023). */
  ttl_seconds: number | null;
}

export interface EventTable {
  id: string;
  vendor_id: string;
  at: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  channel: string;
  type: string;
  subject_type: string;
  subject_id: string;
  key_id: string | null;
  customer_id: string | null;
  before: string | null;
  after: string | null;
}

export interface CouponBatchTable {
  id: string;
  vendor_id: string;
  type: string;
  partner_id: string | null;
  items: string;
  count: number;
  reusable: number;
  key_id: string | null;
  activate_now: number;
  comment: string | null;
  created_by: string | null;
  created_at: string;
}

export interface CouponTable {
  id: string;
  vendor_id: string;
  batch_id: string;
  code: string;
  created_at: string;
}

export interface RedemptionTable {
  id: string;
  vendor_id: string;
  coupon_id: string;
  key_id: string;
  slot: string;
  channel: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  effect: string;
  redeemed_at: string;
  reverted_at: string | null;
  reverted_by: string | null;
}

export interface PortalSessionTable {
  token_hash: string;
  /** 'customer' or 'partner'. */
  portal: string;
  vendor_id: string;
  /** The customer id, or the partner user id. */
  subject_id: string;
  /** Set when a customer logged in with a license key: the session then sees that key only. */
  key_id: string | null;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export interface JobTable {
  id: string;
  vendor_id: string | null;
  kind: string;
  payload: string;
  unique_key: string | null;
  state: string;
  run_at: string;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface PartnerUserTable {
  id: string;
  vendor_id: string;
  partner_id: string;
  email: string;
  name: string;
  password_hash: string;
  language: string;
  created_at: string;
}

export interface OrderTable {
  id: string;
  vendor_id: string;
  /** 'partner' or 'customer'. */
  account_type: string;
  account_id: string;
  reference: string;
  comment: string | null;
  created_at: string;
}

export interface OrderItemTable {
  id: string;
  order_id: string;
  license_type_id: string;
  quantity: number;
  term_unit: string | null;
  term_count: number | null;
}

export interface EntitlementEntryTable {
  id: string;
  vendor_id: string;
  account_type: string;
  account_id: string;
  order_item_id: string;
  license_type_id: string;
  delta: number;
  /** order | transfer_out | transfer_in | issue */
  reason: string;
  ref_id: string | null;
  created_at: string;
}

export interface DrawdownTable {
  id: string;
  vendor_id: string;
  partner_id: string;
  order_id: string;
  customer_id: string | null;
  new_customer: string | null;
  items: string;
  state: string;
  rejection_reason: string | null;
  created_by: string;
  cloned_from: string | null;
  created_at: string;
  submitted_at: string | null;
  decided_at: string | null;
  decided_by: string | null;
  accepted_at: string | null;
}

export interface ReminderSentTable {
  license_id: string;
  threshold: number;
  sent_at: string;
}

export interface WebhookEndpointTable {
  id: string;
  vendor_id: string;
  url: string;
  secret: string;
  events: string;
  enabled: number;
  disabled_reason: string | null;
  created_at: string;
}

export interface WebhookDeliveryTable {
  id: string;
  vendor_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  /** pending | delivered | failed */
  state: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  /** When a pending delivery is next due. */
  next_attempt_at: string | null;
  /** The delivery lane sending it now, and until when its claim holds (a lane that dies loses it). */
  locked_by: string | null;
  locked_until: string | null;
}

export interface CustomerUserTable {
  id: string;
  vendor_id: string;
  customer_id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: string;
}

export interface AttachedLicenseTable {
  customer_id: string;
  license_id: string;
  /** 'code' (typed activation code) or 'file' (uploaded license file). */
  source: string;
  via_key_id: string | null;
  attached_at: string;
}

export interface ServiceRequestTable {
  id: string;
  vendor_id: string;
  customer_id: string;
  /** 'renew' or 'order'. */
  kind: string;
  license_id: string | null;
  product_id: string | null;
  /** An order's license type, when the customer chose one. */
  license_type_id: string | null;
  /** How many licenses an order asks for (1 for a renewal). */
  quantity: number;
  comment: string | null;
  /** 'open' or 'fulfilled'. */
  state: string;
  created_at: string;
  fulfilled_at: string | null;
  fulfilled_by: string | null;
}

/** Word prefixes for customer and key search (see modules/customers/search-terms.ts). */
export interface SearchTermTable {
  vendor_id: string;
  term: string;
  customer_id: string;
  /** Set for the terms of a key. */
  key_id: string | null;
}

export interface PasswordLinkTable {
  token_hash: string;
  vendor_id: string;
  account_table: 'users' | 'partner_users' | 'customer_users';
  account_id: string;
  /** 'invite' (a new account sets its first password) or 'reset' (forgot password). */
  purpose: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** Validations per vendor, day (UTC, YYYY-MM-DD) and outcome code. */
export interface ValidationCountTable {
  vendor_id: string;
  day: string;
  code: string;
  count: number;
}

/** A minute's login attempts against one limit (`platform/auth/rate-limit.ts`); `name` is a keyed digest. */
export interface AttemptWindowTable {
  name: string;
  window_start: string;
  hits: number;
}

/** The id an imported row had where it came from (per vendor and kind), mapped to its Licensor id. */
export interface ExternalIdTable {
  vendor_id: string;
  kind: string;
  external_id: string;
  id: string;
}

export interface Database {
  vendors: VendorTable;
  users: UserTable;
  api_tokens: ApiTokenTable;
  web_sessions: WebSessionTable;
  signing_keys: SigningKeyTable;
  partners: PartnerTable;
  products: ProductTable;
  license_types: LicenseTypeTable;
  customers: CustomerTable;
  license_keys: LicenseKeyTable;
  licenses: LicenseTable;
  bindings: BindingTable;
  sessions: SessionTable;
  events: EventTable;
  coupon_batches: CouponBatchTable;
  coupons: CouponTable;
  redemptions: RedemptionTable;
  portal_sessions: PortalSessionTable;
  jobs: JobTable;
  partner_users: PartnerUserTable;
  orders: OrderTable;
  order_items: OrderItemTable;
  entitlement_entries: EntitlementEntryTable;
  drawdowns: DrawdownTable;
  reminders_sent: ReminderSentTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  customer_users: CustomerUserTable;
  attached_licenses: AttachedLicenseTable;
  service_requests: ServiceRequestTable;
  validation_counts: ValidationCountTable;
  attempt_windows: AttemptWindowTable;
  external_ids: ExternalIdTable;
  search_terms: SearchTermTable;
  password_links: PasswordLinkTable;
}
