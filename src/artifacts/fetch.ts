import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LockedArtifact } from '../core/artifact.js';
import { repositoryPath } from '../core/artifact.js';
import { FlotillaError } from '../core/errors.js';
import { sha256File } from './checksum.js';
import { downloadOnce, HttpStatusError, NetworkError, TooLargeError } from './download.js';
import { claimPart, discardPart, releasePart } from './part.js';
import type { Remote, RepositorySettings } from './settings.js';

export interface FetchOptions {
  retries: number;
  retryDelayMs: number;
  timeoutMs: number;
  onBytes: (bytes: number) => void;
}

type Outcome =
  | { kind: 'ok' }
  | { kind: 'missing'; why: string }
  | { kind: 'failed'; why: string }
  | { kind: 'corrupt'; actual: string };

type Attempt = Exclude<Outcome, { kind: 'ok' }> & { remote: Remote; url: string };

/**
 * Downloads `a` from the first remote that has it and renames it to `target` only once its SHA-256
 * matches the lock, so `target` never holds anything else.
 */
export async function fetchArtifact(
  a: LockedArtifact,
  target: string,
  repos: Pick<RepositorySettings, 'remotes' | 'blocked'>,
  opts: FetchOptions,
): Promise<void> {
  const attempts: Attempt[] = [];
  if (repos.remotes.length > 0) {
    const part = await claimPart(target);
    try {
      // A download that finished just before its process died needs no request.
      if (sizeOf(part) === a.size && (await sha256File(part)) === a.sha256) {
        await fs.promises.rename(part, target);
        return;
      }
      for (const remote of repos.remotes) {
        const url = `${remote.url}/${repositoryPath(a)}`;
        const outcome = await fromRemote(a, url, remote, part, opts);
        if (outcome.kind === 'ok') {
          await fs.promises.rename(part, target);
          return;
        }
        attempts.push({ ...outcome, remote, url });
      }
    } finally {
      if (fs.existsSync(part)) await releasePart(part, target);
    }
  }
  throw failure(a, attempts, repos.blocked);
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return -1;
  }
}

async function fromRemote(
  a: LockedArtifact,
  url: string,
  remote: Remote,
  part: string,
  opts: FetchOptions,
): Promise<Outcome> {
  let restarted = false;
  for (let attempt = 0; ; attempt++) {
    let why: string;
    try {
      const r = await downloadOnce(url, part, {
        maxBytes: a.size,
        timeoutMs: opts.timeoutMs,
        onBytes: opts.onBytes,
        ...(remote.auth ? { auth: remote.auth } : {}),
      });
      if (r.bytes < a.size)
        throw new NetworkError('EOF', url, `connection closed after ${r.bytes} of ${a.size} bytes`);
      if (r.sha256 === a.sha256) return { kind: 'ok' };
      await discardPart(part);
      // The leftover we resumed from may be what was wrong: one fresh download before blaming the server.
      if (r.resumedFrom > 0 && !restarted) {
        restarted = true;
        continue;
      }
      return { kind: 'corrupt', actual: r.sha256 };
    } catch (err) {
      if (err instanceof TooLargeError) {
        await discardPart(part);
        if (!restarted) {
          restarted = true;
          continue;
        }
        return { kind: 'corrupt', actual: `(more than the ${a.size} bytes the lock file pins)` };
      }
      if (err instanceof HttpStatusError) {
        if (err.status === 404 || err.status === 410) return { kind: 'missing', why: `HTTP ${err.status}` };
        why = `HTTP ${err.status}`;
        if (err.status === 401 || err.status === 403) return { kind: 'failed', why: authAdvice(why, remote) };
        if (err.status < 500 && err.status !== 408 && err.status !== 429) return { kind: 'failed', why };
      } else if (err instanceof NetworkError) {
        why = err.message;
      } else {
        throw err;
      }
    }
    if (attempt >= opts.retries)
      return { kind: 'failed', why: attempt > 0 ? `${why}, ${attempt + 1} tries` : why };
    await sleep(opts.retryDelayMs * 2 ** attempt);
  }
}

function authAdvice(why: string, remote: Remote): string {
  if (remote.auth) return `${why}: the repository refused the credentials of server ${remote.id}`;
  if (remote.source === 'FLOTILLA_MAVEN_REPO') return `${why}: put user:password@ in FLOTILLA_MAVEN_REPO`;
  return `${why}: add a <server> with id ${remote.id} and its credentials to ~/.m2/settings.xml`;
}

export function coordinates(a: LockedArtifact): string {
  const ext = a.extension && a.extension !== 'jar' ? `@${a.extension}` : '';
  return `${a.groupId}:${a.artifactId}:${a.version}${a.classifier ? `:${a.classifier}` : ''}${ext}`;
}

/** What the user can change: the setting each URL came from. */
function changeHint(sources: string[]): string {
  const unique = [...new Set(sources)];
  if (unique.every((s) => s === 'FLOTILLA_MAVEN_REPO'))
    return 'the URL comes from FLOTILLA_MAVEN_REPO: fix or unset it';
  if (unique.every((s) => s === 'Maven Central (default)')) {
    return 'set FLOTILLA_MAVEN_REPO or a mirror in ~/.m2/settings.xml';
  }
  return `the URL comes from ${unique.join(' and ')}: change it, or set FLOTILLA_MAVEN_REPO`;
}

function failure(
  a: LockedArtifact,
  attempts: Attempt[],
  blocked: RepositorySettings['blocked'],
): FlotillaError {
  const coord = coordinates(a);
  const details = {
    artifact: coord,
    attempts: attempts.map(({ remote, ...t }) => ({ ...t, source: remote.source })),
    blocked,
  };
  const corrupt = attempts.find((t) => t.kind === 'corrupt');
  if (corrupt?.kind === 'corrupt') {
    return new FlotillaError(
      'ARTIFACT_CORRUPT',
      `${coord}: ${corrupt.url} served SHA-256 ${corrupt.actual}, but the lock file pins ${a.sha256}; nothing was kept`,
      details,
    );
  }
  const blockedText = blocked
    .map((b) => `repository ${b.id} (${b.url}) is blocked by ${b.source}`)
    .join('; ');
  const hint = changeHint([...attempts.map((t) => t.remote.source), ...blocked.map((b) => b.source)]);
  if (attempts.length === 0) {
    return new FlotillaError(
      'ARTIFACT_UNREACHABLE',
      `could not download ${coord}: ${blockedText || 'no repository is configured'}; ${hint}`,
      details,
    );
  }
  const list = attempts.map((t) => `${t.url} (${t.kind === 'corrupt' ? 'corrupt' : t.why})`).join(', ');
  const extra = blockedText ? `; ${blockedText}` : '';
  if (attempts.every((t) => t.kind === 'missing')) {
    return new FlotillaError(
      'ARTIFACT_NOT_FOUND',
      `${coord} is in no repository: ${list}${extra}; ${hint}`,
      details,
    );
  }
  const what = attempts.length === 1 ? `could not download ${list}` : `could not download ${coord}: ${list}`;
  return new FlotillaError('ARTIFACT_UNREACHABLE', `${what}${extra}; ${hint}`, details);
}
