import type { ParsedFilters } from '../lib/data/filters.ts';
import { RangeFields } from './range-fields.tsx';

/** The filter bar of the overview and the log: a GET form, so filters live in the URL. */
export function UsageFilters(props: {
  parsed: ParsedFilters;
  facets: { models: string[]; providers: string[]; keys: Array<{ id: string; name: string }> };
  extended?: boolean;
}) {
  const { filters, range } = props.parsed;
  const localValue = (date: Date | undefined) => (date ? date.toISOString().slice(0, 19) : '');
  return (
    <form className="filters" method="get" data-testid="filters">
      <RangeFields
        range={range ?? ''}
        from={range ? '' : localValue(filters.from)}
        to={range ? '' : localValue(filters.to)}
        customLabel={props.extended ? 'all / custom' : 'custom'}
      />
      <label>
        Key
        <select name="key" defaultValue={filters.keyId ?? ''}>
          <option value="">any</option>
          {props.facets.keys.map((key) => (
            <option key={key.id} value={key.id}>
              {key.name} ({key.id.slice(0, 12)}…)
            </option>
          ))}
        </select>
      </label>
      <label>
        Model
        <select name="model" defaultValue={filters.model ?? ''}>
          <option value="">any</option>
          {props.facets.models.map((model) => (
            <option key={model}>{model}</option>
          ))}
        </select>
      </label>
      <label>
        Provider
        <select name="provider" defaultValue={filters.provider ?? ''}>
          <option value="">any</option>
          {props.facets.providers.map((provider) => (
            <option key={provider}>{provider}</option>
          ))}
        </select>
      </label>
      {props.extended && (
        <>
          <label>
            Status
            <input name="status" placeholder="ok, error or 429" defaultValue={filters.status === undefined ? '' : String(filters.status)} size={10} />
          </label>
          <label>
            Cache
            <select name="cache" defaultValue={filters.cacheStatus ?? ''}>
              <option value="">any</option>
              <option value="hit">hit</option>
              <option value="semantic_hit">semantic hit</option>
              <option value="miss">miss</option>
              <option value="refresh">refresh</option>
              <option value="bypass">bypass</option>
              <option value="off">caching off</option>
            </select>
          </label>
          <label>
            Guardrails
            <select name="guardrail" defaultValue={filters.guardrail ?? ''}>
              <option value="">any</option>
              <option value="deny">denied</option>
              <option value="redact">redacted</option>
              <option value="flag">flagged</option>
              <option value="pass">all passed</option>
              <option value="none">no policy</option>
            </select>
          </label>
          <label>
            Request id
            <input name="request_id" defaultValue={filters.requestId ?? ''} size={24} />
          </label>
        </>
      )}
      <button type="submit">Apply</button>
      {props.parsed.problems.length > 0 && <span className="message error">{props.parsed.problems.join('; ')}</span>}
    </form>
  );
}
