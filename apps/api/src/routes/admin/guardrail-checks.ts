import { GatewayError } from '@gateway/contracts';
import { unknownGuardrailPolicyNames, type Database } from '@gateway/db';

/**
 * Refuses a `guardrails` list naming a policy that does not exist, naming the first unknown one:
 * a key or model pointing at nothing would leave its requests unchecked or refused. `param` is the
 * body field holding the list.
 */
export async function checkGuardrailNames(db: Database['db'], names: readonly string[] | null | undefined, param: string): Promise<void> {
  if (!names || names.length === 0) return;
  const [unknown] = await unknownGuardrailPolicyNames(db, names);
  if (unknown === undefined) return;
  throw new GatewayError('invalid_request', `unknown guardrail policy "${unknown}" (create it with POST /admin/v1/guardrails or declare it in gateway.yaml)`, {
    param: `${param}.${names.indexOf(unknown)}`,
  });
}
