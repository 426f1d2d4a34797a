import en from 'zod/v4/locales/en.js';

/**
 * Parse options that word validation issues in English. zod/mini (kept for its small bundle) loads no
 * locale, and setting zod's global config would change the caller's; a per-parse error map does neither.
 */
export const ENGLISH_ISSUES = { error: en().localeError };
