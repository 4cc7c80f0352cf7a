/**
 * Maven's mirror selection (maven-resolver DefaultMirrorSelector), reproduced rule for rule so that a
 * settings.xml means the same to Flotilla as to `mvn`: a mirror whose <mirrorOf> is exactly the
 * repository id wins; otherwise the first mirror (in settings order) whose pattern matches.
 */
export interface MirrorDef {
  id: string;
  url: string;
  mirrorOf: string;
  /** <mirrorOfLayouts>; Maven's default is "default,legacy". */
  mirrorOfLayouts?: string;
  blocked: boolean;
}

export interface RepositoryRef {
  id: string;
  url: string;
}

const WILDCARD = '*';
const EXTERNAL_WILDCARD = 'external:*';
const EXTERNAL_HTTP_WILDCARD = 'external:http:*';

export function selectMirror<M extends MirrorDef>(repo: RepositoryRef, mirrors: readonly M[]): M | undefined {
  return (
    mirrors.find((m) => m.mirrorOf === repo.id && matchesLayout(m.mirrorOfLayouts)) ??
    mirrors.find((m) => matchesMirrorOf(repo, m.mirrorOf) && matchesLayout(m.mirrorOfLayouts))
  );
}

/**
 * `*`, an id, and comma lists of ids, `!id` exclusions, `external:*` and `external:http:*`.
 * A wildcard match keeps scanning so that a later `!id` can still exclude the repository;
 * an exact id or an exclusion decides at once, in list order.
 */
export function matchesMirrorOf(repo: RepositoryRef, pattern: string): boolean {
  if (pattern === WILDCARD || pattern === repo.id) return true;
  let result = false;
  for (const raw of pattern.split(',')) {
    const part = raw.trim();
    if (part.length > 1 && part.startsWith('!')) {
      if (part.slice(1) === repo.id) return false;
    } else if (part === repo.id) {
      return true;
    } else if (part === EXTERNAL_WILDCARD && isExternalRepo(repo.url)) {
      result = true;
    } else if (part === EXTERNAL_HTTP_WILDCARD && isExternalHttpRepo(repo.url)) {
      result = true;
    } else if (part === WILDCARD) {
      result = true;
    }
  }
  return result;
}

/** Repositories Flotilla resolves from always have the "default" layout. */
function matchesLayout(mirrorLayouts: string | undefined, repoLayout = 'default'): boolean {
  if (!mirrorLayouts || mirrorLayouts === WILDCARD || mirrorLayouts === repoLayout) return true;
  let result = false;
  for (const layout of mirrorLayouts.split(',')) {
    if (layout.length > 1 && layout.startsWith('!')) {
      if (layout.slice(1) === repoLayout) return false;
    } else if (layout === repoLayout) {
      return true;
    } else if (layout === WILDCARD) {
      result = true;
    }
  }
  return result;
}

/**
 * Protocol and host as maven-resolver's RemoteRepository parses them (a regex, not a URL parser):
 * "dav:http://host/" has protocol "dav:http".
 */
export function protocolAndHost(url: string): { protocol: string; host: string } {
  const m = /^([^:/]+(:[^:/]{2,}(?=:\/\/))?):(\/\/([^@/]*@)?([^/:]+))?/.exec(url.trim());
  return { protocol: m?.[1] ?? '', host: m?.[5] ?? '' };
}

const isLocal = (host: string): boolean => host === 'localhost' || host === '127.0.0.1';

export function isExternalRepo(url: string): boolean {
  const { protocol, host } = protocolAndHost(url);
  return !(isLocal(host) || protocol.toLowerCase() === 'file');
}

export function isExternalHttpRepo(url: string): boolean {
  const { protocol, host } = protocolAndHost(url);
  return ['http', 'dav', 'dav:http', 'dav+http'].includes(protocol.toLowerCase()) && !isLocal(host);
}
