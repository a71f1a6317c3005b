/** Every domain error code and the HTTP status it maps to; the one place that knows HTTP statuses. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  BAD_REQUEST: 400,
  INVALID_KEY: 400,
  INVALID_LICENSE_REQUEST: 400,
  PRODUCT_MISMATCH: 400,
  COUPON_MALFORMED: 400,
  COUPON_MISTYPED: 400,
  NOT_A_COUPON: 400,
  INVALID_LICENSE_FILE: 400,
  COUPON_WRONG_VENDOR: 400,
  VENDOR_REQUIRED: 400,
  LINK_INVALID: 400,
  WEBHOOK_URL_FORBIDDEN: 400,
  INVALID_IMPORT_FILE: 400,
  WRONG_PASSWORD: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  LICENSE_TYPE_NOT_FOUND: 404,
  CUSTOMER_NOT_FOUND: 404,
  LICENSE_NOT_FOUND: 404,
  PARTNER_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  BINDING_NOT_FOUND: 404,
  COUPON_NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  DRAWDOWN_NOT_FOUND: 404,
  REQUEST_NOT_FOUND: 404,
  REDEMPTION_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  CONFLICT: 409,
  ALREADY_EXISTS: 409,
  SEATS_EXHAUSTED: 409,
  TOO_MANY_SESSIONS: 409,
  BINDING_LOCKED: 409,
  LICENSE_NOT_USABLE: 409,
  INVALID_TRANSITION: 409,
  KEY_DELETED: 409,
  COUPON_ALREADY_USED: 409,
  COUPON_ALREADY_USED_ON_KEY: 409,
  COUPON_NOT_APPLICABLE: 409,
  INSUFFICIENT_ENTITLEMENT: 409,
  REQUEST_ALREADY_OPEN: 409,
  OWNED_BY_ANOTHER_CUSTOMER: 409,
  IN_USE: 409,
  ARCHIVED: 409,
  SESSION_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The one error type services throw; the HTTP layer turns it into `{error:{code,message,details}}`. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** Refused for now: the answer's `Retry-After` says when asking again may succeed. */
export class TooManyRequests extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', message);
  }
}

export const notFound = (code: ErrorCode, what: string) => new AppError(code, `${what} not found`);

/** A unique index refused a row (SQLite's or PostgreSQL's code): a concurrent request wrote it first. */
export const isUniqueViolation = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
};

/** PostgreSQL aborted this transaction to break a deadlock: run again, it is the other one's turn now. */
export const isDeadlock = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === '40P01';
