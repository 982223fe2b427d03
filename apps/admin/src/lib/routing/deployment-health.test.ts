import { describe, expect, it } from 'vitest';
import type { DeploymentHealth } from '@gateway/contracts';
import { healthView, liveState } from './deployment-health.ts';

const at = Date.parse('2025-06-01T12:00:00Z');
const idle: DeploymentHealth = { provider: 'openai-main', model: 'gpt-4o-mini', inFlight: 0, latencyEwmaMs: null, ttftEwmaMs: null, requestsThisMinute: 0, tokensThisMinute: 0, ejectedUntil: null, ejectionReason: null };

describe('healthView', () => {
  it('shows an ejected deployment with until when, why and how long is left', () => {
    const view = healthView({ ...idle, ejectedUntil: at + 19_500, ejectionReason: 'failures' }, at);
    expect(view).toMatchObject({ ejected: true, ejection: 'until 2025-06-01 12:00:19 UTC (consecutive failures, 20 s left)' });
    expect(healthView({ ...idle, ejectedUntil: at + 60_000, ejectionReason: 'credential' }, at).ejection).toContain('credential rejected, 1 min left');
  });

  it('an ejection that has run out is healthy again', () => {
    const view = healthView({ ...idle, ejectedUntil: at - 1, ejectionReason: 'error-rate' }, at);
    expect(view.ejected).toBe(false);
    expect(view).not.toHaveProperty('ejection');
  });

  it('shows load, latency and usage this minute', () => {
    expect(healthView({ ...idle, inFlight: 3, latencyEwmaMs: 420.4, ttftEwmaMs: 180.2, requestsThisMinute: 12, tokensThisMinute: 34_000 }, at)).toEqual({
      ejected: false,
      inFlight: '3',
      latency: '420 ms (TTFT 180 ms)',
      perMinute: '12 req · 34,000 tokens',
    });
    expect(healthView({ ...idle, latencyEwmaMs: 1500 }, at).latency).toBe('1.5 s');
  });

  it('a deployment the state never saw counts as idle, unmeasured and healthy', () => {
    expect(healthView(undefined, at)).toEqual({ ejected: false, inFlight: '0', latency: 'unmeasured', perMinute: '0 req · 0 tokens' });
  });
});

describe('liveState', () => {
  it('indexes the deployments by provider/model', () => {
    const state = liveState({ tracked: true, at, deployments: [idle, { ...idle, model: 'gpt-4o', inFlight: 1 }] });
    expect(state.kind === 'live' && [...state.deployments.keys()]).toEqual(['openai-main/gpt-4o-mini', 'openai-main/gpt-4o']);
    expect(state.kind === 'live' && state.deployments.get('openai-main/gpt-4o')?.inFlight).toBe(1);
  });

  it('tells an untracked router, an error and no router apart', () => {
    expect(liveState({ tracked: false, at, deployments: [] })).toEqual({ kind: 'untracked' });
    expect(liveState('unavailable')).toEqual({ kind: 'unavailable' });
    expect(liveState('unreachable')).toEqual({ kind: 'unreachable' });
  });
});
