import { providerFieldsSchema, withProviderConfigChecks } from '@gateway/config';
import type { ProviderInput } from '@gateway/db';

const schema = withProviderConfigChecks(providerFieldsSchema);
export const providerTypeOptions: readonly string[] = providerFieldsSchema.shape.type.options;

function field(formData: FormData, name: string): string | undefined {
  const value = formData.get(name);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * Reads the provider form and validates it exactly as gateway.yaml and the admin API do. Secrets
 * (API key, headers, AWS credentials) are write-only: left empty, they keep what is stored.
 */
export function parseProviderForm(formData: FormData): { ok: true; input: ProviderInput } | { ok: false; message: string } {
  let headers: unknown;
  const headersText = field(formData, 'headers');
  if (headersText !== undefined) {
    try {
      headers = JSON.parse(headersText);
    } catch {
      return { ok: false, message: 'Headers must be a JSON object of names to values' };
    }
  }
  const timeout = field(formData, 'timeout_ms');
  const candidate = {
    name: field(formData, 'name'),
    type: field(formData, 'type'),
    ...(field(formData, 'base_url') !== undefined ? { base_url: field(formData, 'base_url') } : {}),
    ...(field(formData, 'api_key') !== undefined ? { api_key: field(formData, 'api_key') } : {}),
    ...(field(formData, 'api_version') !== undefined ? { api_version: field(formData, 'api_version') } : {}),
    ...(headers !== undefined ? { headers } : {}),
    ...(timeout !== undefined ? { timeout_ms: Number(timeout) } : {}),
    ...(field(formData, 'region') !== undefined ? { region: field(formData, 'region') } : {}),
    ...(field(formData, 'aws_access_key_id') !== undefined ? { aws_access_key_id: field(formData, 'aws_access_key_id') } : {}),
    ...(field(formData, 'aws_secret_access_key') !== undefined ? { aws_secret_access_key: field(formData, 'aws_secret_access_key') } : {}),
    ...(field(formData, 'aws_session_token') !== undefined ? { aws_session_token: field(formData, 'aws_session_token') } : {}),
  };
  const parsed = schema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `${issue?.path.join('.') || 'provider'}: ${issue?.message ?? 'invalid'}` };
  }
  const body = parsed.data;
  return {
    ok: true,
    input: {
      name: body.name,
      type: body.type,
      baseUrl: body.base_url ?? null,
      ...(body.api_key !== undefined ? { apiKey: body.api_key } : {}),
      apiVersion: body.api_version ?? null,
      ...(body.headers !== undefined ? { headers: body.headers } : {}),
      timeoutMs: body.timeout_ms ?? null,
      region: body.region ?? null,
      // The schema's checks refused a key id without its secret (and the reverse), as the admin API does.
      ...(body.aws_access_key_id !== undefined && body.aws_secret_access_key !== undefined
        ? { aws: { accessKeyId: body.aws_access_key_id, secretAccessKey: body.aws_secret_access_key, ...(body.aws_session_token ? { sessionToken: body.aws_session_token } : {}) } }
        : {}),
      source: 'api',
    },
  };
}
