import type { Db } from '../db/database.js';
import { enqueueJob } from '../jobs/enqueue.js';
import type { JobHandler } from '../jobs/runner.js';
import type { MailMessage } from './mailer.js';

export const MAIL_JOB = 'mail.send';

/** Queues a message in the caller's transaction: it is sent if and only if the change commits. */
export async function sendMailLater(
  trx: Db,
  vendorId: string | null,
  message: MailMessage,
  now: Date,
  uniqueKey?: string,
): Promise<void> {
  await enqueueJob(trx, { kind: MAIL_JOB, vendorId, payload: message, runAt: now, uniqueKey });
}

export const sendMailJob: JobHandler = async (ctx, job) => {
  await ctx.mailer.send(job.payload as MailMessage);
};
