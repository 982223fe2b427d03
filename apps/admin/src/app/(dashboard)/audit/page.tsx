import Link from 'next/link';
import { listAudit } from '@gateway/db';
import { adminHost } from '../../../host.ts';
import { requirePageSignIn } from '../../../lib/auth/session.ts';
import type { SearchParams } from '../../../lib/data/filters.ts';
import { formatTime } from '../../../lib/format.ts';

export const dynamic = 'force-dynamic';

const pageSize = 100;

export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requirePageSignIn();
  const params = await searchParams;
  const before = typeof params.before === 'string' && /^\d{1,19}$/.test(params.before) ? params.before : undefined;
  const action = typeof params.action === 'string' && params.action.trim() !== '' ? params.action.trim().slice(0, 100) : undefined;
  const page = await listAudit(adminHost().database.db, { limit: pageSize, ...(before ? { beforeId: before } : {}), ...(action ? { action } : {}) });
  const query = (extra: Record<string, string>) => new URLSearchParams({ ...(action ? { action } : {}), ...extra }).toString();
  return (
    <>
      <h1>Audit log</h1>
      <form className="filters" method="get">
        <label>
          Action (exact, or a prefix such as <code>key.</code>)
          <input name="action" defaultValue={action ?? ''} />
        </label>
        <button type="submit">Apply</button>
      </form>
      <div className="table-wrap">
        <table data-testid="audit-table">
          <thead>
            <tr>
              <th>when (UTC)</th>
              <th>who</th>
              <th>what</th>
              <th>on</th>
              <th>details</th>
            </tr>
          </thead>
          <tbody>
            {page.entries.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  Nothing recorded.
                </td>
              </tr>
            )}
            {page.entries.map((entry) => (
              <tr key={entry.id}>
                <td className="mono">{formatTime(entry.at).replace(' UTC', '')}</td>
                <td>{entry.actorEmail}</td>
                <td>
                  <span className="badge accent">{entry.action}</span>
                </td>
                <td className="mono">{entry.targetType ? `${entry.targetType} ${entry.targetId ?? ''}` : '—'}</td>
                <td>{Object.keys(entry.details).length > 0 ? <pre>{JSON.stringify(entry.details)}</pre> : <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="pager">
        {before && <Link href={`/audit?${query({})}`}>↑ Newest</Link>}
        {page.nextBeforeId && <Link href={`/audit?${query({ before: page.nextBeforeId })}`}>Older →</Link>}
      </div>
    </>
  );
}
