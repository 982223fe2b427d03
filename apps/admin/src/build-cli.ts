/** `npm run build:admin`: builds the dashboard when its sources changed since the last build (see build.ts). */
import { ensureAdminBuild } from './build.ts';

const built = await ensureAdminBuild((message) => process.stdout.write(`${message}\n`));
process.stdout.write(built ? 'admin dashboard built\n' : 'admin dashboard build is current\n');
