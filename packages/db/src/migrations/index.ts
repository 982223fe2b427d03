import type { Migration } from 'kysely';
import * as initial from './0001-initial.ts';
import * as clientRequestId from './0002-client-request-id.ts';
import * as tokenDetailsAndStrictKeys from './0003-token-details-and-strict-keys.ts';
import * as routingLimitsBudgets from './0004-routing-limits-budgets.ts';
import * as cache from './0005-cache.ts';
import * as guardrails from './0006-guardrails.ts';
import * as admin from './0007-admin.ts';
import * as bodyLogging from './0008-body-logging.ts';
import * as attemptLog from './0009-attempt-log.ts';

/**
 * Every migration, by name, in the order they run. Imported statically rather than read from disk,
 * so they travel with the code in any bundle and run the same on Postgres and PGlite.
 */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-client-request-id': clientRequestId,
  '0003-token-details-and-strict-keys': tokenDetailsAndStrictKeys,
  '0004-routing-limits-budgets': routingLimitsBudgets,
  '0005-cache': cache,
  '0006-guardrails': guardrails,
  '0007-admin': admin,
  '0008-body-logging': bodyLogging,
  '0009-attempt-log': attemptLog,
};
