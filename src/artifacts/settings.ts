import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';
import { selectMirror } from './mirrors.js';
import { readSettingsFile } from './settings-file.js';
import type { Mirror, Server, SettingsFile, SettingsVars } from './settings-file.js';

export const MAVEN_CENTRAL = 'https://repo.maven.apache.org/maven2';

export interface BasicAuth {
  username: string;
  password: string;
}

export interface Remote {
  id: string;
  /** Base URL of a Maven repository layout, without a trailing slash. */
  url: string;
  auth?: BasicAuth;
  /** Which setting produced this URL, for messages that say what to change. */
  source: string;
}

export interface RepositorySettings {
  /** Tried in order for every artifact. */
  remotes: Remote[];
  /** Repositories a blocked mirror (Maven's `external:http:*` blocker) keeps Flotilla from using. */
  blocked: { id: string; url: string; source: string }[];
  localRepository: string;
  /** Which setting decided the remotes: "FLOTILLA_MAVEN_REPO", "mirror X in ~/.m2/settings.xml", … */
  source: string;
}

/**
 * Where JVM artifacts come from, decided as Maven would: FLOTILLA_MAVEN_REPO wins; otherwise the
 * user settings (FLOTILLA_MAVEN_SETTINGS or ~/.m2/settings.xml) merged over the global ones
 * ($MAVEN_HOME/conf/settings.xml) give active-profile repositories and Maven Central, each replaced
 * by its mirror, with the mirror's <server> credentials.
 */
export function repositorySettings(env: NodeJS.ProcessEnv = process.env): RepositorySettings {
  const home = env.HOME || os.homedir();
  const mavenHome = findMavenHome(env);
  const vars: SettingsVars = { home, env, ...(mavenHome ? { mavenHome } : {}) };
  const label = (file: string): string =>
    file.startsWith(home + path.sep) ? `~${file.slice(home.length)}` : file;

  const files: SettingsFile[] = [];
  const userFile = env.FLOTILLA_MAVEN_SETTINGS || path.join(home, '.m2', 'settings.xml');
  if (env.FLOTILLA_MAVEN_SETTINGS && !fs.existsSync(userFile)) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_MAVEN_SETTINGS names ${userFile}, which does not exist`,
    );
  }
  if (fs.existsSync(userFile)) files.push(readSettingsFile(userFile, label(userFile), vars));
  const globalFile = mavenHome ? path.join(mavenHome, 'conf', 'settings.xml') : undefined;
  if (globalFile && fs.existsSync(globalFile))
    files.push(readSettingsFile(globalFile, label(globalFile), vars));
  const merged = mergeSettings(files);

  const localRepository = path.resolve(merged.localRepository ?? path.join(home, '.m2', 'repository'));
  if (env.FLOTILLA_MAVEN_REPO) {
    const remotes = parseRepoList(env.FLOTILLA_MAVEN_REPO);
    return { remotes, blocked: [], localRepository, source: 'FLOTILLA_MAVEN_REPO' };
  }
  return { ...remotesFromSettings(merged), localRepository };
}

/** Maven's merge: the user file dominates; global entries are kept when their id is new. */
export function mergeSettings(files: SettingsFile[]): Omit<SettingsFile, 'label'> {
  const byId = <T extends { id: string }>(lists: T[][]): T[] => {
    const out: T[] = [];
    for (const list of lists) for (const item of list) if (!out.some((o) => o.id === item.id)) out.push(item);
    return out;
  };
  const merged: Omit<SettingsFile, 'label'> = {
    mirrors: byId(files.map((f) => f.mirrors)),
    servers: byId(files.map((f) => f.servers)),
    profiles: byId(files.map((f) => f.profiles)),
    activeProfiles: [...new Set(files.flatMap((f) => f.activeProfiles))],
  };
  const local = files.find((f) => f.localRepository !== undefined)?.localRepository;
  if (local !== undefined) merged.localRepository = local;
  return merged;
}

export function remotesFromSettings(
  settings: Omit<SettingsFile, 'label'>,
): Omit<RepositorySettings, 'localRepository'> {
  // activeByDefault profiles step aside when any profile is activated explicitly, as in Maven.
  const explicit = settings.profiles.filter((p) => settings.activeProfiles.includes(p.id));
  const active = explicit.length > 0 ? explicit : settings.profiles.filter((p) => p.activeByDefault);
  const repos = active.flatMap((p) =>
    p.repositories
      .filter((r) => r.releases)
      .map((r) => ({ id: r.id, url: r.url, source: `repository ${r.id} of profile ${p.id} in ${p.file}` })),
  );
  // A profile repository with id "central" replaces Maven's built-in one.
  if (!repos.some((r) => r.id === 'central')) {
    repos.push({ id: 'central', url: MAVEN_CENTRAL, source: 'Maven Central (default)' });
  }

  const remotes: Remote[] = [];
  const blocked: RepositorySettings['blocked'] = [];
  for (const repo of repos) {
    const mirror: Mirror | undefined = selectMirror(repo, settings.mirrors);
    const source = mirror ? `mirror ${mirror.id} in ${mirror.file}` : repo.source;
    if (mirror?.blocked) {
      blocked.push({ id: repo.id, url: repo.url, source });
      continue;
    }
    const id = mirror?.id ?? repo.id;
    // Several repositories behind one mirror are one remote, as in Maven.
    if (remotes.some((r) => r.id === id)) continue;
    const remote: Remote = { id, url: trimSlash(mirror?.url ?? repo.url), source };
    const auth = credentials(settings.servers.find((s) => s.id === id));
    if (auth) remote.auth = auth;
    remotes.push(remote);
  }
  const sources = remotes.length ? remotes.map((r) => r.source) : blocked.map((b) => b.source);
  return { remotes, blocked, source: [...new Set(sources)].join('; ') };
}

function credentials(server: Server | undefined): BasicAuth | undefined {
  if (!server?.username) return undefined;
  const password = server.password ?? '';
  // Maven's encrypted passwords ({base64}, see settings-security.xml) need the master password.
  if (/(^|[^\\])\{[A-Za-z0-9+/=]+\}/.test(password)) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `server ${server.id} in ${server.file} has an encrypted password, which Flotilla cannot decrypt: ` +
        'put the plain password there, or set FLOTILLA_MAVEN_REPO=https://user:password@host/path',
    );
  }
  return { username: server.username, password };
}

/** FLOTILLA_MAVEN_REPO: one URL or a comma list, tried in order; user:password@ becomes basic auth. */
export function parseRepoList(value: string): Remote[] {
  const urls = value
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  return urls.map((raw, i) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new FlotillaError('VALIDATION_FAILED', `FLOTILLA_MAVEN_REPO: ${raw} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new FlotillaError('VALIDATION_FAILED', `FLOTILLA_MAVEN_REPO: ${raw} is not an http(s) URL`);
    }
    const remote: Remote = {
      id: i === 0 ? 'flotilla' : `flotilla-${i + 1}`,
      url: '',
      source: 'FLOTILLA_MAVEN_REPO',
    };
    if (url.username) {
      remote.auth = {
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      };
      url.username = '';
      url.password = '';
    }
    remote.url = trimSlash(url.toString());
    return remote;
  });
}

const trimSlash = (url: string): string => url.trim().replace(/\/+$/, '');

/** $MAVEN_HOME, $M2_HOME, or where the `mvn` on PATH is installed (/usr/bin/mvn → /usr/share/maven). */
export function findMavenHome(env: NodeJS.ProcessEnv): string | undefined {
  if (env.MAVEN_HOME) return env.MAVEN_HOME;
  if (env.M2_HOME) return env.M2_HOME;
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!path.isAbsolute(dir)) continue;
    try {
      return path.dirname(path.dirname(fs.realpathSync(path.join(dir, 'mvn'))));
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
