/** The vendor's default language for its customers' e-mails, from its stored settings ('en' unless set). */
export function vendorLanguage(settings: string): 'en' | 'ru' {
  const parsed = JSON.parse(settings) as { language?: unknown };
  return parsed.language === 'ru' ? 'ru' : 'en';
}
