import type { KeyRecord } from '@gateway/db';
import { expiryFieldValue, modelLimitsText } from '../lib/forms/key-form.ts';

/** The fields of the key form, empty for a new key or filled with a key's settings. */
export function KeyFields({ record, policies }: { record?: KeyRecord; policies: readonly string[] }) {
  const limits = record?.limits;
  return (
    <div className="form-grid">
      <label>
        Name
        <input name="name" required maxLength={200} defaultValue={record?.name ?? ''} />
      </label>
      <label>
        Allowed models (comma separated; empty = all)
        <input name="models" defaultValue={record?.models?.join(', ') ?? ''} />
      </label>
      <label>
        Requests per minute
        <input name="rpm_limit" type="number" min={1} defaultValue={limits?.rpmLimit ?? ''} />
      </label>
      <label>
        Tokens per minute
        <input name="tpm_limit" type="number" min={1} defaultValue={limits?.tpmLimit ?? ''} />
      </label>
      <label>
        Parallel requests
        <input name="max_parallel" type="number" min={1} defaultValue={limits?.maxParallel ?? ''} />
      </label>
      <label>
        Budget (USD)
        <input name="budget_usd" type="number" min={0} step="any" defaultValue={limits?.budget?.maxUsd ?? ''} />
      </label>
      <label>
        Budget period
        <select name="budget_period" defaultValue={limits?.budget?.period ?? 'monthly'}>
          <option value="daily">daily</option>
          <option value="weekly">weekly</option>
          <option value="monthly">monthly</option>
        </select>
      </label>
      <label>
        Expires (UTC; empty = never)
        <input name="expires_at" type="datetime-local" step={1} defaultValue={expiryFieldValue(record?.expiresAt)} />
      </label>
      <label>
        Guardrail policies, in order ({policies.length === 0 ? 'none defined' : policies.join(', ')})
        <input name="guardrails" defaultValue={record?.guardrails?.join(', ') ?? ''} />
      </label>
      <label className="inline">
        <input name="strict" type="checkbox" defaultChecked={record?.strict ?? false} /> strict mode
      </label>
      <label className="inline">
        <input name="log_bodies" type="checkbox" defaultChecked={record?.logBodies ?? false} /> log prompts and completions (secrets scrubbed; shown in the request log)
      </label>
      <label className="wide">
        Metadata (JSON object)
        <textarea name="metadata" defaultValue={record ? JSON.stringify(record.metadata, null, 2) : ''} placeholder='{"team": "search"}' />
      </label>
      <label className="wide">
        Per-model limits (JSON, as in the admin API)
        <textarea name="model_limits" defaultValue={record ? modelLimitsText(record.modelLimits) : ''} placeholder='{"gpt-4o": {"rpm_limit": 10, "budget": {"max_usd": 5, "period": "daily"}}}' />
      </label>
    </div>
  );
}
