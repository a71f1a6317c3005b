/** Recipients grouped by the language of their e-mails ('en' unless 'ru'), so each group gets one mail in its own. */
export function byLanguage(
  recipients: readonly { email: string; language: string }[],
): Map<'en' | 'ru', string[]> {
  const groups = new Map<'en' | 'ru', string[]>();
  for (const { email, language } of recipients) {
    const lang = language === 'ru' ? 'ru' : 'en';
    groups.set(lang, [...(groups.get(lang) ?? []), email]);
  }
  return groups;
}
