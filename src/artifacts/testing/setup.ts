import fs from 'node:fs';
import type { TestContext } from 'node:test';
import type { Progress } from '../progress.js';
import { ArtifactResolver } from '../resolver.js';
import { startRepoServer, tempDir } from './repo-server.js';
import type { RepoServerOptions } from './repo-server.js';

/**
 * A resolver in a fresh HOME (no settings.xml, empty ~/.m2) and cache, whose only remote is `repoUrl`
 * (through FLOTILLA_MAVEN_REPO; undefined leaves the choice to settings.xml files the test writes).
 */
export function setup(t: TestContext, repoUrl: string | undefined, extra: Record<string, string> = {}) {
  const home = tempDir();
  const cacheDir = tempDir();
  t.after(() => {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });
  const env: Record<string, string> = { HOME: home, MAVEN_HOME: home, ...extra };
  if (repoUrl !== undefined) env.FLOTILLA_MAVEN_REPO = repoUrl;
  const events: Progress[] = [];
  const make = () =>
    new ArtifactResolver({ cacheDir, env, retryDelayMs: 5, onProgress: (p) => events.push(p) });
  return { home, cacheDir, env, events, make, resolver: make() };
}

export async function serve(t: TestContext, opts: RepoServerOptions) {
  const server = await startRepoServer(opts);
  t.after(() => server.close());
  return server;
}
