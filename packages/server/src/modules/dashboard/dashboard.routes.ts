import { Type } from 'typebox';
import { errorResponses, Timestamp } from '../../platform/http/schemas.js';
import type { RouteModule } from '../../platform/http/types.js';
import { getDashboard } from './dashboard.service.js';

const Dashboard = Type.Object({
  validations: Type.Array(Type.Object({ day: Type.String(), code: Type.String(), count: Type.Integer() }), {
    description: 'validations per UTC day and outcome code, the last 30 days',
  }),
  activeDevices: Type.Integer({ description: 'resources bound to the vendor’s licenses' }),
  liveSessions: Type.Integer(),
  expiringSoon: Type.Integer({ description: 'licenses expiring in the next 45 days' }),
  openRequests: Type.Integer({ description: 'customers’ renewal and order requests not yet fulfilled' }),
  openApprovals: Type.Integer({ description: 'partners’ draw-down requests waiting for approval' }),
  countedAt: Timestamp,
});

export const dashboardRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/v1/dashboard',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'The vendor’s home page numbers (counts refreshed at most every 10 seconds)',
        response: { 200: Dashboard, ...errorResponses },
      },
    },
    (request) => getDashboard(ctx, request.principal),
  );
};
