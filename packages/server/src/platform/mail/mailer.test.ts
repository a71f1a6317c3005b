import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMailer } from './mailer.js';

describe('mail without SMTP', () => {
  it('writes each message as an .eml file under DATA_DIR/outbox', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-outbox-'));
    try {
      await createMailer({ dataDir, smtpUrl: undefined }).send({
        to: ['a@example.test'],
        subject: 'Запрос одобрен',
        text: 'Link: https://x/1',
      });
      const files = fs.readdirSync(path.join(dataDir, 'outbox'));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/\.eml$/);
      const eml = fs.readFileSync(path.join(dataDir, 'outbox', files[0]), 'utf8');
      expect(eml).toContain('To: a@example.test');
      expect(eml).toMatch(/Subject: =\?UTF-8\?/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
