import 'i18next';
import type { en } from './en';

// Every t('…') key must exist in the English dictionary (and so, by its type, in the Russian one): a missing
// key fails the build.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}
