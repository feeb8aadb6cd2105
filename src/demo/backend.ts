// The demo's compile backend: the reference compile service (examples/compile-service, latex + dvisvgm) when
// TeX is installed, else the fixture upstream (src/demo/upstream.ts), which answers a fixed SVG.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FIXTURE_NOTE, startDemoUpstream } from './upstream.js';

export interface Backend {
  readonly url: string;
  readonly kind: 'tex' | 'fixture';
  /** One line for the demo's banner: what answers and why this one. */
  readonly describe: string;
  /** What the gateway's readiness probe asks for (upstream.health_path). */
  readonly healthPath: string;
  close(): Promise<void>;
}

/** The module examples/compile-service/server.mjs exports (a dependency-free ESM file). */
interface CompileServiceModule {
  startCompileService(opts: { host?: string; port?: number }): Promise<{
    url: string;
    port: number;
    close(): Promise<void>;
  }>;
}

function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** TeX files the compile service needs, with the Debian package that ships each. */
const TEX_FILES: readonly (readonly [file: string, pkg: string])[] = [
  ['tikz.sty', 'texlive-pictures'],
  ['standalone.cls', 'texlive-latex-extra'], // the document class the service wraps code in
];

/** What is missing for real compiles: [] when latex, dvisvgm, TikZ and the standalone class are all there. */
export function missingTex(env: NodeJS.ProcessEnv = process.env): string[] {
  const missing = ['latex', 'dvisvgm', 'kpsewhich'].filter((t) => !onPath(t, env));
  if (missing.includes('kpsewhich')) return missing;
  for (const [file, pkg] of TEX_FILES) {
    const r = spawnSync('kpsewhich', [file], { env, encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0 || r.stdout.trim() === '') missing.push(`${file} (${pkg})`);
  }
  return missing;
}

/**
 * DEMO_BACKEND=tex insists on the real service (an error when TeX is missing), =fixture takes the fixture;
 * unset: the real service when TeX is found.
 */
export async function startBackend(root: string, env: NodeJS.ProcessEnv, port: number): Promise<Backend> {
  const wanted = env.DEMO_BACKEND ?? 'auto';
  if (wanted !== 'auto' && wanted !== 'tex' && wanted !== 'fixture')
    throw new Error(`DEMO_BACKEND=${wanted}: expected tex, fixture or nothing`);
  const serviceFile = resolve(root, 'examples', 'compile-service', 'server.mjs');
  const missing = wanted === 'fixture' ? [] : missingTex(env);
  if (wanted !== 'fixture' && !existsSync(serviceFile)) missing.push(serviceFile);
  if (wanted === 'tex' && missing.length > 0)
    throw new Error(`DEMO_BACKEND=tex, but TeX is not usable here: missing ${missing.join(', ')}`);
  if (wanted !== 'fixture' && missing.length === 0) {
    const mod = (await import(pathToFileURL(serviceFile).href)) as CompileServiceModule;
    const svc = await mod.startCompileService({ host: '127.0.0.1', port });
    return {
      url: svc.url,
      kind: 'tex',
      describe: 'the reference compile service (examples/compile-service: latex + dvisvgm), real compiles',
      healthPath: '/healthz',
      close: () => svc.close(),
    };
  }
  const up = await startDemoUpstream(port);
  const why =
    wanted === 'fixture' ? 'DEMO_BACKEND=fixture' : `no TeX here: missing ${missing.join(', ')}; see README "Demo"`;
  return {
    url: up.url,
    kind: 'fixture',
    describe: `the fixture upstream (${FIXTURE_NOTE}; ${why})`,
    healthPath: '/health',
    close: () => up.close(),
  };
}
