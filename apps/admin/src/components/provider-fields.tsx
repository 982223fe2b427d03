import type { ProviderRecord } from '@gateway/db';
import { providerTypeOptions } from '../lib/forms/provider-form.ts';

/** Provider form fields. Secrets are never filled in: empty keeps the stored value. */
export function ProviderFields({ record }: { record?: ProviderRecord }) {
  const kept = (present: boolean) => (present ? '•••••• stored — leave empty to keep' : 'not set');
  return (
    <div className="form-grid">
      {record ? <input type="hidden" name="name" value={record.name} /> : (
        <label>
          Name
          <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9_.\-]*" />
        </label>
      )}
      <input type="hidden" name="mode" value={record ? 'edit' : 'create'} />
      <label>
        Type
        <select name="type" defaultValue={record?.type ?? 'openai'}>
          {providerTypeOptions.map((type) => (
            <option key={type}>{type}</option>
          ))}
        </select>
      </label>
      <label>
        Base URL
        <input name="base_url" type="url" defaultValue={record?.baseUrl ?? ''} />
      </label>
      <label>
        API key (write-only)
        <input name="api_key" type="password" autoComplete="off" placeholder={kept(record?.hasApiKey ?? false)} />
      </label>
      <label>
        API version (Azure)
        <input name="api_version" defaultValue={record?.apiVersion ?? ''} />
      </label>
      <label>
        Timeout (ms)
        <input name="timeout_ms" type="number" min={1} defaultValue={record?.timeoutMs ?? ''} />
      </label>
      <label>
        AWS region (Bedrock)
        <input name="region" defaultValue={record?.region ?? ''} />
      </label>
      <label>
        AWS access key id (write-only)
        <input name="aws_access_key_id" autoComplete="off" placeholder={kept(record?.hasAwsCredentials ?? false)} />
      </label>
      <label>
        AWS secret access key (write-only)
        <input name="aws_secret_access_key" type="password" autoComplete="off" placeholder={kept(record?.hasAwsCredentials ?? false)} />
      </label>
      <label>
        AWS session token (write-only, optional; with the key id and secret)
        <input name="aws_session_token" type="password" autoComplete="off" placeholder={record?.hasAwsCredentials ? 'give it again with a new key id and secret' : 'not set'} />
      </label>
      <label className="wide">
        Extra headers (JSON, write-only{record?.headerNames.length ? `; set: ${record.headerNames.join(', ')}` : ''})
        <textarea name="headers" placeholder={record?.headerNames.length ? 'leave empty to keep the stored headers' : '{"x-org": "…"}'} />
      </label>
    </div>
  );
}
