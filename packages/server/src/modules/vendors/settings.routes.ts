import { Type } from 'typebox';
import { actorOf } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { recordEvent } from '../../platform/events.js';
import { errorResponses } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { reminderDays } from '../reminders/reminders.service.js';
import { vendorLanguage } from './vendor-language.js';

const Language = Type.Union([Type.Literal('en'), Type.Literal('ru')], {
  description: 'the language new customers get for their e-mails (each customer can be changed)',
});
const Settings = Type.Object({
  reminderDays: Type.Array(Type.Integer({ minimum: 0, maximum: 365 }), {
    description: 'days before expiry to remind (0 = on the day)',
  }),
  language: Language,
});

const settingsOf = (stored: string) => ({
  reminderDays: reminderDays(stored),
  language: vendorLanguage(stored),
});

/** The vendor's settings: the days before expiry that reminders go out, and its customers' default language. */
export const vendorSettingsRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/vendor/settings',
    { schema: { tags: ['vendor'], response: { 200: Settings, ...errorResponses } } },
    async (request) => {
      const vendor = await ctx.handle.db
        .selectFrom('vendors')
        .select('settings')
        .where('id', '=', request.principal.vendorId)
        .executeTakeFirstOrThrow();
      return settingsOf(vendor.settings);
    },
  );
  app.patch(
    '/v1/vendor/settings',
    {
      config: { minRole: 'admin' },
      schema: {
        tags: ['vendor'],
        body: Type.Object(
          {
            reminderDays: Type.Optional(
              Type.Array(Type.Integer({ minimum: 0, maximum: 365 }), {
                minItems: 1,
                maxItems: 30,
                uniqueItems: true,
              }),
            ),
            language: Type.Optional(Language),
          },
          { additionalProperties: false },
        ),
        response: { 200: Settings, ...errorResponses },
      },
    },
    async (request) => {
      assertRole(request.principal.role, 'admin');
      const now = ctx.clock.now();
      const days = request.body.reminderDays && [...request.body.reminderDays].sort((a, b) => b - a);
      return inTransaction(ctx.handle, async (trx) => {
        const vendor = await trx
          .selectFrom('vendors')
          .select('settings')
          .where('id', '=', request.principal.vendorId)
          .executeTakeFirstOrThrow();
        const settings = {
          ...JSON.parse(vendor.settings),
          ...(days ? { reminderDays: days } : {}),
          ...(request.body.language ? { language: request.body.language } : {}),
        };
        await trx
          .updateTable('vendors')
          // New days: the next reminder scan reads the whole band once, so added or raised days catch up.
          .set({ settings: JSON.stringify(settings), ...(days ? { reminders_scanned_at: null } : {}) })
          .where('id', '=', request.principal.vendorId)
          .execute();
        await recordEvent(trx, request.principal.vendorId, actorOf(request.principal), now, {
          type: 'vendor.settings_updated',
          subjectType: 'vendor',
          subjectId: request.principal.vendorId,
          after: settings,
        });
        return settingsOf(JSON.stringify(settings));
      });
    },
  );
};
