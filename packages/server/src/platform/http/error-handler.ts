import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, isUniqueViolation, TooManyRequests } from '../errors.js';
import type { DirectAnswer } from './direct-lane/index.js';

interface ErrorBody {
  error: { code: string; message: string; details: unknown[] };
}

const body = (code: string, message: string, details: unknown[] = []): ErrorBody => ({
  error: { code, message, details },
});

/** Fastify's own request errors, in our codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

const headersOf = (error: AppError): Record<string, string> =>
  error instanceof TooManyRequests ? { 'retry-after': String(error.retryAfterSeconds) } : {};

/** The one place errors become HTTP answers: `{error:{code,message,details}}`, never a stack. */
export function handleError(error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError)
    return reply
      .status(error.status)
      .headers(headersOf(error))
      .send(body(error.code, error.message, error.details));
  if (error.validation) {
    const details = error.validation.map((issue) => ({
      path: `${error.validationContext ?? ''}${issue.instancePath}`,
      message: issue.message,
      ...(issue.keyword === 'additionalProperties' ? { field: issue.params?.additionalProperty } : {}),
    }));
    return reply
      .status(400)
      .send(body('VALIDATION_FAILED', 'the request does not match the schema', details));
  }
  if (isUniqueViolation(error)) {
    // A concurrent request won a race the service's own checks could not see; nothing was written.
    return reply
      .status(409)
      .send(body('CONFLICT', 'a concurrent change conflicts with this request; try again'));
  }
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known) {
    const appError = new AppError(known, error.message);
    return reply.status(appError.status).send(body(known, error.message));
  }
  if (error instanceof SyntaxError || (error.statusCode && error.statusCode < 500)) {
    return reply.status(error.statusCode ?? 400).send(body('BAD_REQUEST', error.message));
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.status(500).send(body('INTERNAL', 'internal error'));
}

/** An error thrown on the direct lane, answered as `handleError` answers it (its routes throw only AppErrors). */
export function errorAnswer(error: unknown, log: FastifyBaseLogger): DirectAnswer {
  const json = { 'content-type': 'application/json; charset=utf-8' };
  if (error instanceof AppError)
    return {
      status: error.status,
      headers: { ...headersOf(error), ...json },
      body: JSON.stringify(body(error.code, error.message, error.details)),
    };
  log.error({ err: error }, 'unhandled error');
  return { status: 500, headers: json, body: JSON.stringify(body('INTERNAL', 'internal error')) };
}
