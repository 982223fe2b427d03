/**
 * The models of the reliability suite: one per scenario, each on deployments of its own (upstream model
 * names suffixed with the run), so that health state (ejections, retry budgets) one scenario builds
 * never reaches another, nor another run sharing the same Redis.
 */

/** Retries that wait next to nothing, so the suite stays fast. */
const quickRetry = 'initial_backoff_ms: 1, max_backoff_ms: 5';

/** A scenario's deployment names (upstream models on the harness's `fake` provider). */
export function scenarioDeployments(run: string) {
  const name = (scenario: string) => `${scenario}-${run}`;
  return {
    serverError: name('s1'),
    retryAfterShort: name('s2-short'),
    retryAfterShortNext: name('s2-short-next'),
    retryAfterLong: name('s2-long'),
    retryAfterLongNext: name('s2-long-next'),
    hanging: name('s3-hang'),
    hangingNext: name('s3-hang-next'),
    hangingAlone: name('s3-alone'),
    slowForDeadline: name('s3-deadline'),
    slowForDeadlineNext: name('s3-deadline-next'),
    reset: name('s4'),
    slowFirstToken: name('s5-slow'),
    slowFirstTokenNext: name('s5-next'),
    cut: name('s6-cut'),
    cutNext: name('s6-next'),
    cutOpenAi: name('s6-cut-openai'),
    cutOpenAiNext: name('s6-next-openai'),
    downA: name('s7-a'),
    downB: name('s7-b'),
    revoked: name('s8-revoked'),
    revokedNext: name('s8-next'),
    revokedListed: name('s8-listed-revoked'),
    revokedListedNext: name('s8-listed-next'),
    budget: name('s9'),
    storm: name('s10'),
    hedgeSlow: name('s11-slow'),
    hedgeFast: name('s11-fast'),
    idempotent: name('s12'),
    tooLong: name('s13-short-window'),
    tooLongNext: name('s13-next'),
    largeWindow: name('s13-large-window'),
  };
}

export type ScenarioDeployments = ReturnType<typeof scenarioDeployments>;

/** The Anthropic provider of the suite (a fake Anthropic): the one kind of target that continues a broken stream. */
export const scenarioAnthropicProvider = 'claude-fake';

/** `providers:` items for the harness: the fake Anthropic at `url`, with the harness's provider key. */
export function scenarioProvidersYaml(anthropicUrl: string): string {
  return `  - name: ${scenarioAnthropicProvider}
    type: anthropic
    base_url: ${anthropicUrl}
    api_key: \${FAKE_PROVIDER_KEY}
`;
}

/** `models:` items for the harness (gateway.yaml), named `rel-<scenario>`. */
export function scenarioModelsYaml(deployments: ScenarioDeployments, budgetPrice: { inputPerMillion: number; outputPerMillion: number }): string {
  const d = deployments;
  const target = (model: string, extra = '') => `{ provider: fake, model: ${model}${extra} }`;
  return `
  - name: rel-server-error
    strategy: single
    retry: { attempts: 2, ${quickRetry} }
    targets: [ ${target(d.serverError)} ]
  - name: rel-retry-after-short
    strategy: fallback
    retry: { attempts: 1, max_retry_after_ms: 5000, ${quickRetry} }
    targets: [ ${target(d.retryAfterShort)}, ${target(d.retryAfterShortNext)} ]
  - name: rel-retry-after-long
    strategy: fallback
    retry: { attempts: 1, max_retry_after_ms: 5000, ${quickRetry} }
    targets: [ ${target(d.retryAfterLong)}, ${target(d.retryAfterLongNext)} ]
  - name: rel-hanging
    strategy: fallback
    retry: { attempts: 1, ${quickRetry} }
    targets: [ ${target(d.hanging, ', timeout_ms: 150')}, ${target(d.hangingNext)} ]
  - name: rel-hanging-alone
    strategy: single
    retry: { attempts: 1, ${quickRetry} }
    targets: [ ${target(d.hangingAlone, ', timeout_ms: 150')} ]
  - name: rel-deadline
    strategy: fallback
    retry: { attempts: 2, ${quickRetry} }
    targets: [ ${target(d.slowForDeadline)}, ${target(d.slowForDeadlineNext)} ]
  - name: rel-reset
    strategy: single
    retry: { attempts: 2, ${quickRetry} }
    targets: [ ${target(d.reset)} ]
  - name: rel-slow-first-token
    strategy: fallback
    retry: { attempts: 0 }
    targets: [ ${target(d.slowFirstToken, ', ttft_timeout_ms: 200')}, ${target(d.slowFirstTokenNext)} ]
  - name: rel-cut
    strategy: fallback
    retry: { attempts: 0 }
    targets: [ ${target(d.cut)}, { provider: ${scenarioAnthropicProvider}, model: ${d.cutNext} } ]
  - name: rel-cut-openai-next
    strategy: fallback
    retry: { attempts: 0 }
    targets: [ ${target(d.cutOpenAi)}, ${target(d.cutOpenAiNext)} ]
  - name: rel-down
    strategy: fallback
    retry: { attempts: 0 }
    # One deployment per group: the ejection cap (half a group, at least one) can then leave out all of them.
    targets:
      - targets: [ ${target(d.downA)} ]
      - targets: [ ${target(d.downB)} ]
  - name: rel-revoked
    strategy: fallback
    retry: { attempts: 2, ${quickRetry} }
    targets: [ ${target(d.revoked)}, ${target(d.revokedNext)} ]
  - name: rel-revoked-listed
    strategy: fallback
    retry: { attempts: 2, on_status_codes: [401, 429, 500, 502, 503, 504], ${quickRetry} }
    targets: [ ${target(d.revokedListed)}, ${target(d.revokedListedNext)} ]
  - name: rel-budget
    strategy: single
    price: { input_per_million: ${budgetPrice.inputPerMillion}, output_per_million: ${budgetPrice.outputPerMillion} }
    targets: [ ${target(d.budget)} ]
  - name: rel-storm
    strategy: single
    retry: { attempts: 2, ${quickRetry} }
    targets: [ ${target(d.storm)} ]
  - name: rel-hedge
    strategy: fallback
    retry: { attempts: 0 }
    hedge: { after_ms: 50 }
    targets: [ ${target(d.hedgeSlow)}, ${target(d.hedgeFast)} ]
  - name: rel-idempotent
    strategy: single
    targets: [ ${target(d.idempotent)} ]
  - name: rel-context-window
    strategy: fallback
    retry: { attempts: 2, ${quickRetry} }
    fallbacks:
      context_window: [ ${target(d.largeWindow)} ]
    targets: [ ${target(d.tooLong)}, ${target(d.tooLongNext)} ]
`;
}
