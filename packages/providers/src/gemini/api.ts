import type { ProviderSettings } from '../types.ts';

/**
 * Where to call the Gemini API (Google AI Studio): `{origin}/v1beta/models/{model}:{method}`, the key in
 * `x-goog-api-key` (never in the URL, where proxies and access logs would keep it).
 */
export const geminiDefaultBaseUrl = 'https://generativelanguage.googleapis.com';

/** The API version the adapter speaks when the configured base URL names none. */
const defaultVersion = 'v1beta';

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'batchEmbedContents';

export interface GeminiApi {
  /** The configured base without a version path: what pass-through paths (`/v1beta/...`) are appended to. */
  origin: string;
  url(model: string, method: GeminiMethod): string;
  /** `models/<name>` (or `tunedModels/<name>`), as request bodies name a model. */
  resourceName(model: string): string;
  headers(stream: boolean): Record<string, string>;
  passthroughHeaders(): Record<string, string>;
}

/**
 * A model given as `gemini-2.5-flash`, `models/gemini-2.5-flash` or `tunedModels/my-model` becomes its
 * resource name without doubling the `models/` prefix.
 */
export function modelResourceName(model: string): string {
  const slash = model.indexOf('/');
  if (slash < 0) return `models/${encodeURIComponent(model)}`;
  return `${model.slice(0, slash)}/${encodeURIComponent(model.slice(slash + 1))}`;
}

export function geminiApi(settings: ProviderSettings, apiKey: string): GeminiApi {
  const configured = (settings.baseUrl ?? geminiDefaultBaseUrl).replace(/\/+$/, '');
  // A base configured as `https://host/v1beta` (or `/v1`) keeps its version; otherwise v1beta is added.
  const versioned = /\/v1(?:beta)?$/.exec(configured);
  const origin = versioned ? configured.slice(0, versioned.index) : configured;
  const base = versioned ? configured : `${configured}/${defaultVersion}`;
  const auth = { 'x-goog-api-key': apiKey };
  // Configured headers never replace the key, whatever their case: the key comes last and a configured
  // x-goog-api-key is dropped.
  const configuredHeaders = Object.fromEntries(
    Object.entries(settings.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'x-goog-api-key'),
  );
  return {
    origin,
    url(model, method) {
      const query = method === 'streamGenerateContent' ? '?alt=sse' : '';
      return `${base}/${modelResourceName(model)}:${method}${query}`;
    },
    resourceName: modelResourceName,
    headers(stream) {
      return {
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
        ...configuredHeaders,
        ...auth,
      };
    },
    passthroughHeaders() {
      return { ...configuredHeaders, ...auth };
    },
  };
}
