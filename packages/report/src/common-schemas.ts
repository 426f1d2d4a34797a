import { z } from 'zod';

/** One row of a configuration list, shown as given. */
export const ConfigurationEntrySchema = z.object({
  key: z.string().min(1),
  value: z.union([z.string(), z.number(), z.boolean()]),
});
/** One row of a configuration list (see `ConfigurationEntrySchema`). */
export type ConfigurationEntry = z.infer<typeof ConfigurationEntrySchema>;
