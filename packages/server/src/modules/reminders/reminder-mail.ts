import { maskKey } from '@licensor/core';
import type { MailMessage } from '../../platform/mail/mailer.js';

export interface DueLicense {
  customerName: string;
  productName: string;
  key: string;
  expiresAt: string;
  daysLeft: number;
}

const line = (language: 'ru' | 'en', item: DueLicense) => {
  const date = item.expiresAt.slice(0, 10);
  if (language === 'ru') {
    const when =
      item.daysLeft === 0 ? 'истекает сегодня' : `истекает ${date}, осталось дней: ${item.daysLeft}`;
    return `• ${item.customerName}: ${item.productName} (${maskKey(item.key)}) — ${when}`;
  }
  const when = item.daysLeft === 0 ? 'expires today' : `expires ${date}, ${item.daysLeft} day(s) left`;
  return `• ${item.customerName}: ${item.productName} (${maskKey(item.key)}) — ${when}`;
};

/** One message per recipient and day, listing every license due (seed 001: renew in time). */
export function reminderMail(
  language: string,
  to: string,
  items: DueLicense[],
  renewLink: string,
): MailMessage {
  const lang = language === 'ru' ? 'ru' : 'en';
  const subject =
    lang === 'ru'
      ? `Лицензии истекают: ${items.length} — пора продлить`
      : `Licenses expiring: ${items.length} — time to renew`;
  const intro = lang === 'ru' ? 'Эти лицензии скоро истекут:' : 'These licenses expire soon:';
  const outro = lang === 'ru' ? `Продлить: ${renewLink}` : `Renew: ${renewLink}`;
  return { to: [to], subject, text: [intro, ...items.map((item) => line(lang, item)), '', outro].join('\n') };
}
