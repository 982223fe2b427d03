'use client';

import type { ReactElement } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { OverviewPoint } from '../lib/data/overview.ts';

function tickFormatter(bucketSeconds: number) {
  return (time: number) => {
    const iso = new Date(time).toISOString();
    return bucketSeconds >= 86_400 ? iso.slice(5, 10) : bucketSeconds >= 3_600 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
  };
}

const labelFormatter = (time: unknown) => `${new Date(Number(time)).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function Chart({ title, children }: { title: string; children: ReactElement }) {
  return (
    <div className="chart">
      <h3>{title}</h3>
      <ResponsiveContainer width="100%" height={220}>
        {children}
      </ResponsiveContainer>
    </div>
  );
}

/** The overview's charts over time (UTC buckets); data comes from the server, already aggregated. */
export function UsageCharts({ points, bucketSeconds }: { points: OverviewPoint[]; bucketSeconds: number }) {
  const axis = <XAxis dataKey="time" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={tickFormatter(bucketSeconds)} fontSize={11} />;
  const withPercent = points.map((point) => ({
    ...point,
    errorPercent: point.errorRate === null ? null : point.errorRate * 100,
    cacheHitPercent: point.cacheHitRatio === null ? null : point.cacheHitRatio * 100,
  }));
  return (
    <div className="charts" data-testid="overview-charts">
      <Chart title="Requests and errors">
        <AreaChart data={points}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          {axis}
          <YAxis allowDecimals={false} fontSize={11} width={40} />
          <Tooltip labelFormatter={labelFormatter} />
          <Legend />
          <Area dataKey="requests" name="requests" stroke="#3056d3" fill="#c9d5fb" isAnimationActive={false} />
          <Area dataKey="errors" name="errors" stroke="#c4321c" fill="#f6c7bf" isAnimationActive={false} />
        </AreaChart>
      </Chart>
      <Chart title="Error rate (%)">
        <LineChart data={withPercent}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          {axis}
          <YAxis fontSize={11} width={40} domain={[0, 'auto']} />
          <Tooltip labelFormatter={labelFormatter} formatter={(value) => `${Number(value).toFixed(1)}%`} />
          <Line dataKey="errorPercent" name="error rate" stroke="#c4321c" dot={false} connectNulls isAnimationActive={false} />
        </LineChart>
      </Chart>
      <Chart title="Latency p50 / p95 (ms)">
        <LineChart data={points}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          {axis}
          <YAxis fontSize={11} width={48} />
          <Tooltip labelFormatter={labelFormatter} formatter={(value) => `${Math.round(Number(value))} ms`} />
          <Legend />
          <Line dataKey="p50LatencyMs" name="p50" stroke="#3056d3" dot={false} connectNulls isAnimationActive={false} />
          <Line dataKey="p95LatencyMs" name="p95" stroke="#e08a00" dot={false} connectNulls isAnimationActive={false} />
        </LineChart>
      </Chart>
      <Chart title="Tokens">
        <AreaChart data={points}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          {axis}
          <YAxis fontSize={11} width={56} />
          <Tooltip labelFormatter={labelFormatter} />
          <Legend />
          <Area dataKey="inputTokens" name="input" stackId="tokens" stroke="#3056d3" fill="#c9d5fb" isAnimationActive={false} />
          <Area dataKey="outputTokens" name="output" stackId="tokens" stroke="#16794c" fill="#bfe6d2" isAnimationActive={false} />
        </AreaChart>
      </Chart>
      <Chart title="Cost (USD)">
        <AreaChart data={points}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          {axis}
          <YAxis fontSize={11} width={56} />
          <Tooltip labelFormatter={labelFormatter} formatter={(value) => `$${Number(value).toFixed(6)}`} />
          <Area dataKey="costUsd" name="cost" stroke="#7a3fd1" fill="#e3d6f8" isAnimationActive={false} />
        </AreaChart>
      </Chart>
      <Chart title="Cache hit ratio (%)">
        <LineChart data={withPercent}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          {axis}
          <YAxis fontSize={11} width={40} domain={[0, 100]} />
          <Tooltip labelFormatter={labelFormatter} formatter={(value) => `${Number(value).toFixed(1)}%`} />
          <Line dataKey="cacheHitPercent" name="hit ratio" stroke="#16794c" dot={false} connectNulls isAnimationActive={false} />
        </LineChart>
      </Chart>
      {/* Stacked: each request counts once, under its most severe verdict (aggregateAdminUsageByTime). */}
      <Chart title="Guardrail verdicts (requests, by most severe)">
        <AreaChart data={points}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          {axis}
          <YAxis allowDecimals={false} fontSize={11} width={40} />
          <Tooltip labelFormatter={labelFormatter} />
          <Legend />
          <Area dataKey="guardrailDenied" name="denied" stackId="guardrails" stroke="#c4321c" fill="#f6c7bf" isAnimationActive={false} />
          <Area dataKey="guardrailRedacted" name="redacted" stackId="guardrails" stroke="#93510a" fill="#fde3bf" isAnimationActive={false} />
          <Area dataKey="guardrailFlagged" name="flagged" stackId="guardrails" stroke="#7a3fd1" fill="#e3d6f8" isAnimationActive={false} />
        </AreaChart>
      </Chart>
    </div>
  );
}
