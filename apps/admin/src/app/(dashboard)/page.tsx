import Link from 'next/link';
import type { ReactNode } from 'react';
import { UsageCharts } from '../../components/usage-charts.tsx';
import { UsageFilters } from '../../components/usage-filters.tsx';
import { adminHost } from '../../host.ts';
import { requirePageSignIn } from '../../lib/auth/session.ts';
import { loadFacets } from '../../lib/data/facets.ts';
import { filterQuery, parseFilters, rangePresets, type SearchParams } from '../../lib/data/filters.ts';
import { loadOverview, type OverviewBreakdownRow } from '../../lib/data/overview.ts';
import { formatCount, formatMs, formatPercent, formatUsd } from '../../lib/format.ts';

export const dynamic = 'force-dynamic';

function Card({ label, value, hint, testId }: { label: string; value: string; hint?: ReactNode; testId?: string }) {
  return (
    <div className="card" data-testid={testId}>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
      {hint && <div className="hint">{hint}</div>}
    </div>
  );
}

function Breakdown({ title, rows, label, link }: { title: string; rows: OverviewBreakdownRow[]; label: (value: string) => string; link: (value: string) => string }) {
  return (
    <div>
      <h2>{title}</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{title.replace('By ', '')}</th>
              <th className="num">requests</th>
              <th className="num">error rate</th>
              <th className="num">p95</th>
              <th className="num">tokens</th>
              <th className="num">cost</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No requests
                </td>
              </tr>
            )}
            {rows.map((row) => (
              <tr key={row.value ?? '∅'}>
                <td>{row.value === null ? <span className="muted">none</span> : <Link href={link(row.value)}>{label(row.value)}</Link>}</td>
                <td className="num">{formatCount(row.requests)}</td>
                <td className="num">{formatPercent(row.errorRate)}</td>
                <td className="num">{formatMs(row.p95LatencyMs)}</td>
                <td className="num">{formatCount(row.inputTokens + row.outputTokens)}</td>
                <td className="num">{formatUsd(row.costUsd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export default async function OverviewPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requirePageSignIn();
  const now = new Date();
  const parsed = parseFilters(await searchParams, { now, defaultRange: '24h' });
  // With a default range, parseFilters always sets `from` (24 hours before `to`, or before now).
  const to = parsed.filters.to ?? now;
  const from = parsed.filters.from ?? new Date(to.getTime() - rangePresets['24h']);
  const filters = { ...parsed.filters, from, to };
  const [overview, facets] = await Promise.all([loadOverview(adminHost().database.db, filters), loadFacets({ from, to })]);
  const { totals } = overview;
  const query = (extra: Record<string, string>) => filterQuery({ ...parsed, filters: { ...filters, ...(parsed.range ? {} : { from, to }) } }, extra);
  return (
    <>
      <h1>Overview</h1>
      <UsageFilters parsed={parsed} facets={facets} />
      <div className="cards">
        <Card testId="total-requests" label="Requests" value={formatCount(totals.requests)} hint={<Link href={`/requests?${query({})}`}>see them in the log</Link> } />
        <Card testId="error-rate" label="Error rate" value={formatPercent(totals.errorRate)} hint={`${formatCount(totals.errors)} with status ≥ 400`} />
        <Card label="Latency p50" value={formatMs(totals.p50LatencyMs)} />
        <Card label="Latency p95" value={formatMs(totals.p95LatencyMs)} />
        <Card testId="total-tokens" label="Tokens" value={formatCount(totals.inputTokens + totals.outputTokens)} hint={`${formatCount(totals.inputTokens)} in / ${formatCount(totals.outputTokens)} out`} />
        <Card testId="total-cost" label="Cost" value={formatUsd(totals.costUsd)} />
        <Card
          testId="cache-hit-ratio"
          label="Cache hit ratio"
          value={formatPercent(totals.cacheHitRatio)}
          hint={totals.cacheLookups === 0 ? 'no cache lookups' : `${formatCount(totals.cacheHits)} of ${formatCount(totals.cacheLookups)} lookups · ${formatUsd(totals.costSavedUsd)} saved`}
        />
        <Card
          testId="guardrail-verdicts"
          label="Guardrails: denied"
          value={formatCount(totals.guardrailDenied)}
          hint={totals.guardrailChecked === 0 ? 'no request checked' : `of ${formatCount(totals.guardrailChecked)} checked · ${formatCount(totals.guardrailRedacted)} redacted · ${formatCount(totals.guardrailFlagged)} flagged`}
        />
      </div>
      <UsageCharts points={overview.series} bucketSeconds={overview.bucketSeconds} />
      <Breakdown title="By model" rows={overview.byModel} label={(value) => value} link={(value) => `/?${query({ model: value })}`} />
      <Breakdown title="By provider" rows={overview.byProvider} label={(value) => value} link={(value) => `/?${query({ provider: value })}`} />
      <Breakdown title="By key" rows={overview.byKey} label={(value) => `${facets.keyNames.get(value) ?? 'deleted key'} (${value.slice(0, 12)}…)`} link={(value) => `/?${query({ key: value })}`} />
    </>
  );
}
