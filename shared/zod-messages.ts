import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * zod/mini carries no messages of its own ("Invalid input" for everything): give it the
 * English ones classic zod sets, so a bad record or rule reads the same whichever API checked
 * it. Imported for its effect by every module that defines schemas with zod/mini.
 */
config(en());
