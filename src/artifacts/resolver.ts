import fs from 'node:fs';
import path from 'node:path';
import type { LockedArtifact } from '../core/artifact.js';
import { cachePath, repositoryPath } from '../core/artifact.js';
import { FlotillaError } from '../core/errors.js';
import { checkFile, forgetFile, rememberFile, sha256File } from './checksum.js';
import { coordinates, fetchArtifact } from './fetch.js';
import { Limiter } from './limit.js';
import type { Progress } from './progress.js';
import { repositorySettings } from './settings.js';
import type { RepositorySettings } from './settings.js';

export interface ResolverOptions {
  cacheDir: string;
  /** Artifacts fetched or hashed at once; 4 unless stated. */
  concurrency?: number;
  /** Where FLOTILLA_MAVEN_REPO, FLOTILLA_MAVEN_SETTINGS, HOME and MAVEN_HOME are read from. */
  env?: NodeJS.ProcessEnv;
  onProgress?: (p: Progress) => void;
  /** Use these instead of reading settings from `env`. */
  settings?: RepositorySettings;
  /** Retries of one URL after a network error or a 5xx; 3 unless stated. */
  retries?: number;
  /** First backoff delay, doubled on each retry; 500 ms unless stated. */
  retryDelayMs?: number;
  /** Socket idle timeout; 30 s unless stated. */
  timeoutMs?: number;
}

export interface VerifyResult {
  ok: string[];
  missing: LockedArtifact[];
  corrupt: LockedArtifact[];
}

/** One download per cache path in this process, whichever resolver asked first. */
const inflight = new Map<string, Promise<boolean>>();
let seq = 0;

/**
 * Puts locked JVM artifacts into the content-addressed cache and vouches for them: a path it returns
 * holds exactly the bytes the lock's SHA-256 names. Sources, in order: the cache itself, the local
 * Maven repository (~/.m2/repository), then each remote repository.
 */
export class ArtifactResolver {
  private readonly limiter: Limiter;
  private settingsValue: RepositorySettings | undefined;

  constructor(private readonly opts: ResolverOptions) {
    this.limiter = new Limiter(opts.concurrency ?? 4);
    this.settingsValue = opts.settings;
  }

  /** Read lazily: a fully cached lock needs no settings, so a broken settings.xml cannot stop it. */
  get settings(): RepositorySettings {
    this.settingsValue ??= repositorySettings(this.opts.env ?? process.env);
    return this.settingsValue;
  }

  /** Cache paths of `artifacts`, in order, once every one of them is present and verified. */
  async ensure(artifacts: LockedArtifact[]): Promise<string[]> {
    const results = await Promise.allSettled(artifacts.map((a) => this.ensureOne(a)));
    // Wait for every artifact before failing, so nothing is still writing when the caller hears of it.
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return artifacts.map((a) => cachePath(this.opts.cacheDir, a));
  }

  /** What is in the cache, without downloading or deleting anything. */
  async verify(artifacts: LockedArtifact[]): Promise<VerifyResult> {
    const checks = await Promise.all(
      artifacts.map((a) =>
        this.limiter.run(() => checkFile(cachePath(this.opts.cacheDir, validate(a)), a.sha256)),
      ),
    );
    const out: VerifyResult = { ok: [], missing: [], corrupt: [] };
    checks.forEach((check, i) => {
      const a = artifacts[i]!;
      if (check === 'ok') out.ok.push(cachePath(this.opts.cacheDir, a));
      else out[check].push(a);
    });
    return out;
  }

  private async ensureOne(a: LockedArtifact): Promise<void> {
    const target = cachePath(this.opts.cacheDir, validate(a));
    const running = inflight.get(target);
    if (running) {
      const fromCache = await running;
      this.emit({ artifact: a, bytes: a.size, total: a.size, done: true, fromCache });
      return;
    }
    const task = this.limiter.run(() => this.obtain(a, target)).finally(() => inflight.delete(target));
    inflight.set(target, task);
    await task;
  }

  /** Resolves to whether the artifact was already on this machine (nothing downloaded). */
  private async obtain(a: LockedArtifact, target: string): Promise<boolean> {
    const cached = await checkFile(target, a.sha256);
    if (cached === 'corrupt') {
      // Never run it, never keep it: a damaged or substituted jar is fetched again.
      await fs.promises.rm(target, { force: true });
      forgetFile(target);
    }
    const fromCache = cached === 'ok' || (await this.fromLocalRepository(a, target));
    if (!fromCache) {
      this.emit({ artifact: a, bytes: 0, total: a.size, done: false, fromCache: false });
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      let shownAt = 0;
      await fetchArtifact(a, target, this.settings, {
        retries: this.opts.retries ?? 3,
        retryDelayMs: this.opts.retryDelayMs ?? 500,
        timeoutMs: this.opts.timeoutMs ?? 30_000,
        onBytes: (bytes) => {
          if (Date.now() - shownAt < 100) return;
          shownAt = Date.now();
          this.emit({ artifact: a, bytes, total: a.size, done: false, fromCache: false });
        },
      });
      await rememberFile(target, a.sha256);
    }
    this.emit({ artifact: a, bytes: a.size, total: a.size, done: true, fromCache });
    return fromCache;
  }

  /** A jar Maven already downloaded is reused (hard-linked, else copied) when its bytes match the lock. */
  private async fromLocalRepository(a: LockedArtifact, target: string): Promise<boolean> {
    const source = path.join(this.settings.localRepository, repositoryPath(a));
    const stat = await fs.promises.stat(source).catch(() => null);
    if (!stat?.isFile() || stat.size !== a.size) return false;
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.local.${process.pid}.${++seq}`;
    try {
      await fs.promises.link(source, tmp).catch(() => fs.promises.copyFile(source, tmp));
      // Hash what is about to become the cache file, not the source, which may change meanwhile.
      if ((await sha256File(tmp)) !== a.sha256) return false;
      await fs.promises.rename(tmp, target);
      await rememberFile(target, a.sha256);
      return true;
    } catch {
      return false;
    } finally {
      await fs.promises.rm(tmp, { force: true });
    }
  }

  private emit(p: Progress): void {
    this.opts.onProgress?.(p);
  }
}

const SEGMENT = /^[A-Za-z0-9_.+-]+$/;

/** Lock entries become file paths: refuse anything that could leave the cache directory. */
function validate(a: LockedArtifact): LockedArtifact {
  const parts = [a.groupId, a.artifactId, a.version, a.classifier ?? 'x', a.extension ?? 'jar'];
  const bad = parts.find((p) => !SEGMENT.test(p) || p.split('.').includes(''));
  if (bad !== undefined || !/^[0-9a-f]{64}$/.test(a.sha256) || !Number.isSafeInteger(a.size) || a.size < 0) {
    throw new FlotillaError(
      'INTERNAL',
      `lock entry ${coordinates(a)} is malformed (coordinates, sha256 or size)`,
    );
  }
  return a;
}
