import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';
import { newId } from '../crypto.js';

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

const FROM = 'Licensor <no-reply@licensor.local>';

/**
 * SMTP when `SMTP_URL` is set; otherwise every message is written as an `.eml` file under
 * `DATA_DIR/outbox/`, so a fresh install shows what it would have sent.
 */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'dataDir'>): Mailer {
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      async send(message) {
        await transport.sendMail({ from: FROM, ...message });
      },
    };
  }
  const outbox = path.join(config.dataDir, 'outbox');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = await transport.sendMail({ from: FROM, ...message });
      await fs.mkdir(outbox, { recursive: true });
      await fs.writeFile(path.join(outbox, `${newId()}.eml`), info.message as Buffer);
    },
  };
}
