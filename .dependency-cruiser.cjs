/**
 * Dependency rules (checked by `npm run lint`, part of `npm test`): dependencies flow apps → packages;
 * packages never import apps; no service imports another service (only the all-in-one launcher,
 * apps/gateway, composes them); contracts imports only zod; no cycles.
 */
module.exports = {
  forbidden: [
    {
      name: 'packages-never-import-apps',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-service-imports-another-service',
      comment: 'Services talk only through packages/contracts messages over the bus. apps/gateway is the composition root.',
      severity: 'error',
      from: { path: '^apps/(api|router|ledger|cache|guardrail|admin)/' },
      to: { path: '^apps/([^/]+)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'contracts-imports-only-zod',
      severity: 'error',
      from: { path: '^packages/contracts/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: 'node_modules/zod/' },
    },
    {
      name: 'contracts-imports-no-workspace-package',
      severity: 'error',
      from: { path: '^packages/contracts/' },
      to: { path: '^(packages|apps)/', pathNot: '^packages/contracts/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'tests-helpers-stay-in-tests',
      comment: 'Production code never imports the testkit.',
      severity: 'error',
      from: { path: '^(apps|packages)/[^/]+/src/', pathNot: ['\\.test\\.ts$', '^packages/testkit/'] },
      to: { path: '^packages/testkit/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|\\.next)/|\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    combinedDependencies: true,
  },
};
