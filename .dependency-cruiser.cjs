// The layering of src/, checked in `npm test` (npm run lint:layers): layers only point down. See the picture in
// docs/architecture.md ("Layers"). No exceptions are listed here: a new edge that breaks a rule is moved or the
// rule is changed, in the open.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-the-ground-floor',
      comment: 'core/ (context, verdict, check contract, pipeline, errors, clock) imports nothing of ours above it',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'net-is-the-ground-floor',
      comment: 'net/ (addresses, prefixes, CIDR sets) imports nothing of ours but core/',
      severity: 'error',
      from: { path: '^src/net/' },
      to: { path: '^src/', pathNot: '^src/(net|core)/' },
    },
    {
      name: 'checks-see-contracts-not-implementations',
      comment:
        'checks read the Store interface, never a store implementation, and never the listeners (http/) or admin/',
      severity: 'error',
      from: { path: '^src/checks/' },
      to: { path: '^src/(http|admin)/|^src/store/(memory|redis|failover|factory|cluster|sentinel)' },
    },
    {
      name: 'crs-is-a-module',
      comment:
        'crs/ (the SecLang engine) sits beside signatures/: it reads core/, body/, net/ and config/, never checks, listeners or the runtime',
      severity: 'error',
      from: { path: '^src/crs/' },
      to: { path: '^src/(checks|http|admin|proxy|runtime)(/|\\.ts)' },
    },
    {
      name: 'nothing-imports-the-runtime',
      comment: 'the composition root (runtime) is imported only by the entry points (main.ts, the demo)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(main\\.ts|demo/|runtime/|runtime\\.ts)' },
      to: { path: '^src/runtime(/|\\.ts)' },
    },
    {
      name: 'no-cycles',
      comment: 'a cycle makes two modules one; split the shared part out',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(test|bench|dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
