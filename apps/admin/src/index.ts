export { startAdminInProcess } from './in-process.ts';
export { startAdminServer, ensureFirstAdmin, type AdminServerOptions, type RunningAdmin } from './server.ts';
export { ensureAdminBuild, adminDirectory } from './build.ts';
export { parseAdminEnvironment, adminEnvironmentSchema, type AdminEnvironment } from './config.ts';
export { adminSettingsFrom } from './settings.ts';
export { resolveFirstAdmin, localAdminEmail } from './first-admin.ts';
export type { AdminHost, AdminSettings } from './host.ts';
