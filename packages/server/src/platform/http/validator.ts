import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const base: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false };

function ajv(options: Options): Ajv {
  const instance = new Ajv({ ...base, ...options });
  (addFormats as unknown as (a: Ajv) => void)(instance);
  return instance;
}

/** Query strings and path params arrive as text, so they are coerced; JSON bodies must have the right types. */
const coercing = ajv({ coerceTypes: 'array' });
const strict = ajv({ coerceTypes: false });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema) as ReturnType<FastifySchemaCompiler<object>>;
