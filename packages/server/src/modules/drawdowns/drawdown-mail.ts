import type { MailMessage } from '../../platform/mail/mailer.js';

export type DrawdownNotice = 'submitted' | 'approved' | 'rejected' | 'accepted';
type Language = 'ru' | 'en';

interface NoticeFacts {
  reference: string;
  partnerName: string;
  customerName: string;
  reason?: string | null;
  link: string;
}

const SUBJECTS: Record<Language, Record<DrawdownNotice, (f: NoticeFacts) => string>> = {
  en: {
    submitted: (f) => `Draw-down request ${f.reference} from ${f.partnerName} awaits approval`,
    approved: (f) => `Draw-down request ${f.reference} is approved`,
    rejected: (f) => `Draw-down request ${f.reference} is rejected`,
    accepted: (f) => `Draw-down request ${f.reference} is accepted: entitlements moved to ${f.customerName}`,
  },
  ru: {
    submitted: (f) => `Запрос на передачу ${f.reference} от ${f.partnerName} ожидает одобрения`,
    approved: (f) => `Запрос на передачу ${f.reference} одобрен`,
    rejected: (f) => `Запрос на передачу ${f.reference} отклонён`,
    accepted: (f) => `Запрос на передачу ${f.reference} принят: права переданы клиенту ${f.customerName}`,
  },
};

const BODIES: Record<Language, Record<DrawdownNotice, (f: NoticeFacts) => string>> = {
  en: {
    submitted: (f) =>
      `${f.partnerName} asks to move entitlements to ${f.customerName}.\nReview the request: ${f.link}`,
    approved: (f) =>
      `Your request to move entitlements to ${f.customerName} is approved.\nOpen it and accept to complete the transfer: ${f.link}`,
    rejected: (f) =>
      `Your request to move entitlements to ${f.customerName} is rejected.\nReason: ${f.reason}\nYou can clone it, correct it and submit again: ${f.link}`,
    accepted: (f) => `${f.partnerName} accepted the transfer to ${f.customerName}.\n${f.link}`,
  },
  ru: {
    submitted: (f) =>
      `${f.partnerName} просит передать права клиенту ${f.customerName}.\nРассмотреть запрос: ${f.link}`,
    approved: (f) =>
      `Ваш запрос на передачу прав клиенту ${f.customerName} одобрен.\nОткройте его и примите, чтобы завершить передачу: ${f.link}`,
    rejected: (f) =>
      `Ваш запрос на передачу прав клиенту ${f.customerName} отклонён.\nПричина: ${f.reason}\nЗапрос можно клонировать, исправить и отправить снова: ${f.link}`,
    accepted: (f) => `${f.partnerName} принял передачу прав клиенту ${f.customerName}.\n${f.link}`,
  },
};

/** A draw-down notice in the recipient's language (Russian or English; anything else gets English). */
export function drawdownMail(
  notice: DrawdownNotice,
  language: string,
  to: string[],
  facts: NoticeFacts,
): MailMessage {
  const lang: Language = language === 'ru' ? 'ru' : 'en';
  return { to, subject: SUBJECTS[lang][notice](facts), text: BODIES[lang][notice](facts) };
}
