import { createAdapter, defaultAzureApiVersion, type ProviderSettings, type ProviderType } from '@gateway/providers';
import { getProviderWithSecrets, type Database, type SecretBox } from '@gateway/db';
import { redactCredentials } from './redact-credentials.ts';

/** What a provider's connection test found: never a credential. */
export type ProbeResult = { ok: true; message: string } | { ok: false; message: string };

/** How long a test waits for the provider. */
export const probeTimeoutMs = 10_000;

/** Where each protocol lists its models, relative to the adapter's pass-through base URL. */
function modelListPath(type: ProviderType, apiVersion: string | null): string | undefined {
  if (type === 'anthropic') return '/v1/models';
  if (type === 'gemini') return '/v1beta/models';
  // Azure OpenAI: the models the resource offers, at the provider's data-plane version.
  if (type === 'azure-openai') return `/openai/models?api-version=${encodeURIComponent(apiVersion ?? defaultAzureApiVersion)}`;
  if (type === 'bedrock') return undefined;
  // OpenAI-compatible vendors: the base URL ends with the version (…/v1).
  return '/models';
}

/** The provider's own error message from a JSON error body (OpenAI, Anthropic and Gemini shapes), else the status. */
function upstreamMessage(status: number, body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = (parsed as { error?: unknown }).error;
    const message = typeof error === 'string' ? error : (error as { message?: unknown } | undefined)?.message;
    if (typeof message === 'string' && message !== '') return `HTTP ${status}: ${message}`;
  } catch {
    // Not JSON: the status says it.
  }
  return `HTTP ${status}`;
}

/**
 * Tests a configured provider's connection by listing its models, through the adapter's pass-through
 * target (its base URL and authenticating headers) as the gateway would call it, within
 * `timeoutMs`. Answers how many models it lists or the provider's error, with every credential removed.
 * Bedrock providers (signed requests, no model list on the runtime endpoint) are not tested this way.
 */
export async function probeProvider(database: Database, secretBox: SecretBox, name: string, timeoutMs: number = probeTimeoutMs): Promise<ProbeResult> {
  const provider = await getProviderWithSecrets(database.db, secretBox, name);
  if (!provider) return { ok: false, message: `No provider named "${name}".` };
  const type = provider.type as ProviderType;
  const secrets = [provider.apiKey ?? '', ...Object.values(provider.headers), provider.aws?.accessKeyId ?? '', provider.aws?.secretAccessKey ?? '', provider.aws?.sessionToken ?? ''];
  const path = modelListPath(type, provider.apiVersion);
  if (!path) return { ok: false, message: `A connection test is not available for ${type} providers yet.` };
  const settings: ProviderSettings = {
    name: provider.name,
    type,
    ...(provider.baseUrl ? { baseUrl: provider.baseUrl } : {}),
    ...(provider.apiKey ? { apiKey: provider.apiKey } : {}),
    ...(provider.apiVersion ? { apiVersion: provider.apiVersion } : {}),
    ...(Object.keys(provider.headers).length > 0 ? { headers: provider.headers } : {}),
  };
  let target;
  try {
    target = createAdapter(settings).passthrough?.();
  } catch (error) {
    return { ok: false, message: redactCredentials(error instanceof Error ? error.message : 'The provider’s settings are incomplete.', secrets) };
  }
  if (!target) return { ok: false, message: `A connection test is not available for ${type} providers yet.` };
  const url = `${target.baseUrl.replace(/\/+$/, '')}${path}`;
  try {
    // `no-store`: inside a dashboard request Next.js wraps fetch with its data cache.
    const response = await fetch(url, { headers: target.headers, signal: AbortSignal.timeout(timeoutMs), cache: 'no-store', redirect: 'error' });
    const body = await response.text();
    if (!response.ok) return { ok: false, message: redactCredentials(`${provider.name} answered ${upstreamMessage(response.status, body)}`, secrets).slice(0, 500) };
    let count: number | undefined;
    try {
      const parsed = JSON.parse(body) as { data?: unknown; models?: unknown };
      const list = Array.isArray(parsed.data) ? parsed.data : Array.isArray(parsed.models) ? parsed.models : undefined;
      count = list?.length;
    } catch {
      // A 2xx that is not JSON still means the provider was reached and accepted the credentials.
    }
    return { ok: true, message: `Connected to ${provider.name}${count === undefined ? '' : `: ${count} model${count === 1 ? '' : 's'} listed`}.` };
  } catch (error) {
    const reason = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') ? `no answer within ${timeoutMs / 1000} s` : describeNetworkError(error);
    return { ok: false, message: redactCredentials(`Could not reach ${provider.name} at ${new URL(url).origin}: ${reason}`, secrets) };
  }
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : 'network error';
}
