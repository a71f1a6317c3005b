import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import { errorResponses } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { importVendorData } from './import.service.js';
import { readImportContent } from './import-content.js';

const Counts = Type.Object({
  customers: Type.Integer(),
  keys: Type.Integer(),
  licenses: Type.Integer(),
  bindings: Type.Integer(),
});

const ImportBody = Type.Object(
  {
    format: Type.Union([Type.Literal('json'), Type.Literal('csv')], {
      description:
        'json: { customers, keys, licenses, bindings } as `licensor export` writes; csv: customers only',
    }),
    content: Type.String({ description: "the file's text (the request body is limited by BODY_LIMIT)" }),
    dryRun: Type.Boolean({ description: 'check and count only: nothing is written' }),
    partial: Type.Optional(
      Type.Boolean({
        description: 'write the good rows even when some are bad (default: none when any is bad)',
      }),
    ),
  },
  { additionalProperties: false },
);

const ImportReport = Type.Object({
  dryRun: Type.Boolean(),
  partial: Type.Boolean(),
  written: Type.Boolean({
    description: 'false on a dry run, when bad rows stopped the import, and when every row was there already',
  }),
  created: Counts,
  unchanged: Counts,
  rejected: Counts,
  problems: Type.Array(
    Type.Object({
      kind: Type.Union([
        Type.Literal('customers'),
        Type.Literal('keys'),
        Type.Literal('licenses'),
        Type.Literal('bindings'),
      ]),
      index: Type.Integer({ description: "the row's index in its list" }),
      line: Type.Optional(Type.Integer({ description: "the row's line in a CSV file" })),
      field: Type.String(),
      code: Type.String({ description: 'why, as a code (REQUIRED, NOT_A_DATE, SEATS_FULL, …)' }),
      params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
        description: 'the values the reason names',
      }),
      reason: Type.String({ description: 'why, in English' }),
    }),
  ),
});

/** The vendor cabinet's import: the same file, checks and report as `licensor import` (README, "Import and export"). */
export const dataExchangeRoutes: RouteModule = (app, ctx) => {
  app.post(
    '/v1/imports',
    {
      config: { minRole: 'admin' },
      schema: {
        tags: ['import'],
        summary: 'Import customers, keys, licenses and bindings (a dry run checks only)',
        body: ImportBody,
        response: { 200: ImportReport, ...errorResponses },
      },
    },
    async (request) => {
      assertRole(request.principal.role, 'admin');
      const { format, content, dryRun, partial } = request.body;
      const { file, lines } = readImportContent(format, content);
      return importVendorData(ctx, actorOf(request.principal), {
        vendorId: request.principal.vendorId,
        file,
        lines,
        dryRun,
        partial: partial ?? false,
      });
    },
  );
};
