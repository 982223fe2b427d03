import type { ReactNode } from 'react';
import { NavLinks } from '../../components/nav-links.tsx';
import { adminHost } from '../../host.ts';
import { requirePageSignIn } from '../../lib/auth/session.ts';

export const dynamic = 'force-dynamic';

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const { session, csrfToken } = await requirePageSignIn();
  const { settings } = adminHost();
  const external: Array<[string, string]> = [
    ...(settings.grafanaUrl ? [[settings.grafanaUrl, 'Grafana'] as [string, string]] : []),
    ...(settings.tracingUrl ? [[settings.tracingUrl, 'Traces'] as [string, string]] : []),
  ];
  return (
    <div className="shell">
      <nav className="nav">
        <div className="brand">LLM gateway</div>
        <NavLinks external={external} />
        <div className="who">
          <div data-testid="signed-in-as">{session.email}</div>
          <div>
            <span className={`badge ${session.role === 'admin' ? 'accent' : ''}`}>{session.role}</span>
          </div>
          <form method="post" action="/sign-out">
            <input type="hidden" name="csrf" value={csrfToken} />
            <button type="submit" className="secondary">
              Sign out
            </button>
          </form>
        </div>
      </nav>
      <main>{children}</main>
    </div>
  );
}
