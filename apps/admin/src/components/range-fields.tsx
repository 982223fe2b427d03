'use client';

import { useRef } from 'react';

/**
 * The time part of the filter bar: a preset range or custom dates, never both. Picking a preset
 * empties the dates, typing a date switches the range to custom; the server reads a preset first
 * (see parseFilters), so without JavaScript a preset still wins over dates left in the fields.
 */
export function RangeFields(props: { range: string; from: string; to: string; customLabel: string }) {
  const range = useRef<HTMLSelectElement>(null);
  const from = useRef<HTMLInputElement>(null);
  const to = useRef<HTMLInputElement>(null);
  const toCustom = () => {
    if (range.current) range.current.value = '';
  };
  return (
    <>
      <label>
        Range
        <select
          ref={range}
          name="range"
          defaultValue={props.range}
          onChange={(event) => {
            if (event.currentTarget.value === '') return;
            if (from.current) from.current.value = '';
            if (to.current) to.current.value = '';
          }}
        >
          <option value="">{props.customLabel}</option>
          <option value="1h">last hour</option>
          <option value="24h">last 24 hours</option>
          <option value="7d">last 7 days</option>
          <option value="30d">last 30 days</option>
        </select>
      </label>
      <label>
        From (UTC)
        <input ref={from} type="datetime-local" name="from" step={1} defaultValue={props.from} onInput={toCustom} />
      </label>
      <label>
        To (UTC)
        <input ref={to} type="datetime-local" name="to" step={1} defaultValue={props.to} onInput={toCustom} />
      </label>
    </>
  );
}
