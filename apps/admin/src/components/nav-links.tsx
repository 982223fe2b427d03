'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const sections: Array<{ title: string; links: Array<[href: string, label: string]> }> = [
  { title: 'Watch', links: [['/', 'Overview'], ['/requests', 'Requests']] },
  { title: 'Manage', links: [['/keys', 'Keys'], ['/providers', 'Providers'], ['/models', 'Models'], ['/routing', 'Routing'], ['/guardrails', 'Guardrails'], ['/cache', 'Cache']] },
  { title: 'Admin', links: [['/users', 'Users'], ['/audit', 'Audit log']] },
];

export function NavLinks({ external }: { external: Array<[href: string, label: string]> }) {
  const path = usePathname();
  const active = (href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  return (
    <>
      {sections.map((section) => (
        <div key={section.title} style={{ display: 'contents' }}>
          <div className="section">{section.title}</div>
          {section.links.map(([href, label]) => (
            <Link key={href} href={href} className={active(href) ? 'active' : undefined}>
              {label}
            </Link>
          ))}
        </div>
      ))}
      {external.length > 0 && <div className="section">Elsewhere</div>}
      {external.map(([href, label]) => (
        <a key={href} href={href} target="_blank" rel="noreferrer noopener">
          {label} ↗
        </a>
      ))}
    </>
  );
}
