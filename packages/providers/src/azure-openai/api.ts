import { commonHeaders, trimTrailingSlashes, type OpenAiCompatibleApi } from '../openai-compatible/index.ts';
import type { ProviderSettings } from '../types.ts';

/**
 * The `api-version` used when a provider sets none: 2024-10-21, the latest generally available
 * data-plane version when this was written, and one that accepts `stream_options.include_usage`.
 */
export const defaultAzureApiVersion = '2024-10-21';

/**
 * Azure OpenAI: the deployment is in the path, the version in the query, the key in `api-key`:
 * `{baseUrl}/openai/deployments/{deployment}/chat/completions?api-version={apiVersion}`, where
 * baseUrl is the resource endpoint (`https://<resource>.openai.azure.com`) and the target's model is
 * the deployment name.
 */
export function azureOpenAiApi(settings: ProviderSettings, baseUrl: string): OpenAiCompatibleApi {
  const base = trimTrailingSlashes(baseUrl);
  const version = encodeURIComponent(settings.apiVersion ?? defaultAzureApiVersion);
  const deploymentUrl = (deployment: string, endpoint: string): string =>
    `${base}/openai/deployments/${encodeURIComponent(deployment)}/${endpoint}?api-version=${version}`;
  const auth: Record<string, string> = settings.apiKey ? { 'api-key': settings.apiKey } : {};
  return {
    chatUrl: (model) => deploymentUrl(model, 'chat/completions'),
    embeddingsUrl: (model) => deploymentUrl(model, 'embeddings'),
    headers: (call) => commonHeaders(settings, auth, call),
    streamOptions: true,
    // The resource endpoint: clients send `/openai/…` paths with their own `api-version`.
    passthrough: () => ({ baseUrl: base, headers: { ...settings.headers, ...auth } }),
  };
}
