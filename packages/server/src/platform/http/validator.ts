import { isAcceptedInstant } from '@licensor/core';
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const base: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false };

function ajv(options: Options): Ajv {
  const instance = new Ajv({ ...base, ...options });
  (addFormats as unknown as (a: Ajv) => void)(instance);
  // A date-time is RFC 3339 and within years 1970–9999: a year 0 or 275760 would parse, then break arithmetic.
  const rfc3339 = instance.formats['date-time'] as { validate: (text: string) => boolean };
  instance.addFormat('date-time', {
    type: 'string',
    validate: (text: string) => rfc3339.validate(text) && isAcceptedInstant(text),
  });
  return instance;
}

/** Query strings and path params arrive as text, so they are coerced; JSON bodies must have the right types. */
const coercing = ajv({ coerceTypes: 'array' });
const strict = ajv({ coerceTypes: false });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema) as ReturnType<FastifySchemaCompiler<object>>;
