// The plans of the statements a server runs for some requests, taken in-process over a store a bench server also
// serves: each request is sent once through the app (`inject`) with the statements recorded, then each is planned.
import { createApp, createContext, loadConfig, planOf } from '../../packages/server/dist/index.js';

/** `requests`: scenario → { method, path, headers, body } (a body as text). */
export async function recordPlans(env, requests) {
  const ctx = await createContext(loadConfig({ ...process.env, ...env }));
  const app = await createApp(ctx);
  const plans = [];
  try {
    for (const [scenario, request] of Object.entries(requests)) {
      const statements = [];
      ctx.handle.observer = (sql, parameters) => statements.push({ sql, parameters });
      const response = await app.inject({
        method: request.method,
        url: request.path,
        headers: request.headers,
        payload: request.body,
      });
      ctx.handle.observer = undefined;
      if (response.statusCode >= 300) throw new Error(`${scenario}: ${response.statusCode} ${response.body}`);
      for (const statement of statements) {
        const plan = await planOf(ctx.handle, statement.sql, statement.parameters);
        if (plan) plans.push({ scenario, ...plan });
      }
    }
  } finally {
    await app.close();
    await ctx.handle.close();
  }
  return plans;
}

/** Each plan as a heading (database · scenario, and what it reads too much of), its statement and its plan. */
export const plansMarkdown = (entries) =>
  entries
    .map(
      ({ db, plan }) =>
        `**${db} · ${plan.scenario}**${plan.problems.length ? ` — ${plan.problems.join('; ')}` : ''}\n\n\`\`\`\n${plan.sql.replace(/\s+/g, ' ').trim()}\n\n${plan.plan}\n\`\`\``,
    )
    .join('\n\n');

export const PLANS_LEGEND =
  'SQLite: `EXPLAIN QUERY PLAN`; PostgreSQL: `EXPLAIN ANALYZE` (rows touched per node), and the generic plan where it differs.';
