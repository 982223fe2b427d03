/**
 * The dashboard is served by src/server.ts (a custom server: in the gateway process in embedded mode,
 * alone in a container otherwise), which hands it the database, bus and secret box.
 * @type {import('next').NextConfig}
 */
const nextConfig = {
  // The workspace packages are TypeScript sources: Next compiles them into the server bundle.
  transpilePackages: ['@gateway/db', '@gateway/contracts', '@gateway/config'],
  // Native or worker-based database drivers stay plain Node modules, loaded at run time.
  serverExternalPackages: ['pg', '@electric-sql/pglite', 'kysely'],
  poweredByHeader: false,
  // No framing (clickjacking), no MIME sniffing, no referrer leaving the dashboard, forms post only here.
  headers: async () => [
    {
      source: '/:path*',
      headers: [
        { key: 'X-Frame-Options', value: 'DENY' },
        { key: 'Content-Security-Policy', value: "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'" },
        { key: 'X-Content-Type-Options', value: 'nosniff' },
        { key: 'Referrer-Policy', value: 'same-origin' },
      ],
    },
  ],
  reactStrictMode: true,
  // `npm run typecheck` checks the types; the build does not do it twice.
  typescript: { ignoreBuildErrors: true },
  eslint: { ignoreDuringBuilds: true },
  webpack: (config) => {
    // @gateway/db starts PGlite in a worker_threads worker; the dashboard never opens PGlite itself
    // (the launcher hands it the open database), so the worker is not bundled.
    config.module.parser = { ...config.module.parser, javascript: { ...config.module.parser?.javascript, worker: false, url: false } };
    return config;
  },
};

export default nextConfig;
