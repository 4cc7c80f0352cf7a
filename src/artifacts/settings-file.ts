import fs from 'node:fs';
import { FlotillaError } from '../core/errors.js';
import type { MirrorDef } from './mirrors.js';
import { child, childText, children, parseXml, XmlError } from './xml.js';
import type { XmlElement } from './xml.js';

/** The parts of one settings.xml that decide where artifacts come from. */
export interface SettingsFile {
  /** How messages name the file: "~/.m2/settings.xml", "/usr/share/maven/conf/settings.xml". */
  label: string;
  localRepository?: string;
  mirrors: Mirror[];
  servers: Server[];
  profiles: Profile[];
  activeProfiles: string[];
}

export interface Mirror extends MirrorDef {
  file: string;
}

export interface Server {
  id: string;
  username?: string;
  password?: string;
  file: string;
}

export interface Profile {
  id: string;
  activeByDefault: boolean;
  repositories: { id: string; url: string; releases: boolean }[];
  file: string;
}

/** What `${...}` in settings.xml may refer to, as Maven interpolates it. */
export interface SettingsVars {
  home: string;
  mavenHome?: string;
  env: NodeJS.ProcessEnv;
}

export function readSettingsFile(file: string, label: string, vars: SettingsVars): SettingsFile {
  let src: string;
  try {
    src = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new FlotillaError('VALIDATION_FAILED', `cannot read ${label}: ${(err as Error).message}`);
  }
  return parseSettings(src, label, vars);
}

export function parseSettings(src: string, label: string, vars: SettingsVars): SettingsFile {
  const empty: SettingsFile = { label, mirrors: [], servers: [], profiles: [], activeProfiles: [] };
  // Maven accepts an empty settings file; people create one with `touch`.
  if (src.trim() === '') return empty;
  let root: XmlElement;
  try {
    root = parseXml(src);
  } catch (err) {
    if (!(err instanceof XmlError)) throw err;
    throw new FlotillaError('VALIDATION_FAILED', `${label} is not well-formed XML: ${err.message}`);
  }
  if (root.name !== 'settings') {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `${label}: the root element is <${root.name}>, not <settings>`,
    );
  }
  const text = (el: XmlElement | undefined, name: string): string | undefined => {
    const value = childText(el, name);
    return value === undefined ? undefined : interpolate(value, vars);
  };
  const required = (el: XmlElement, name: string, what: string): string =>
    text(el, name) ??
    (() => {
      throw new FlotillaError('VALIDATION_FAILED', `${label}: a ${what} has no <${name}>`);
    })();

  const localRepository = text(root, 'localRepository');
  const mirrors = children(child(root, 'mirrors'), 'mirror').map((m): Mirror => {
    const mirror: Mirror = {
      id: text(m, 'id') ?? 'default',
      url: required(m, 'url', 'mirror'),
      mirrorOf: required(m, 'mirrorOf', 'mirror'),
      blocked: text(m, 'blocked') === 'true',
      file: label,
    };
    const layouts = text(m, 'mirrorOfLayouts');
    if (layouts !== undefined) mirror.mirrorOfLayouts = layouts;
    return mirror;
  });
  const servers = children(child(root, 'servers'), 'server').map((s): Server => {
    const server: Server = { id: required(s, 'id', 'server'), file: label };
    const username = text(s, 'username');
    const password = text(s, 'password');
    if (username !== undefined) server.username = username;
    if (password !== undefined) server.password = password;
    return server;
  });
  const profiles = children(child(root, 'profiles'), 'profile').map((p): Profile => ({
    id: text(p, 'id') ?? 'default',
    activeByDefault: text(child(p, 'activation'), 'activeByDefault') === 'true',
    repositories: children(child(p, 'repositories'), 'repository').map((r) => ({
      id: required(r, 'id', 'profile repository'),
      url: required(r, 'url', 'profile repository'),
      releases: text(child(r, 'releases'), 'enabled') !== 'false',
    })),
    file: label,
  }));
  const activeProfiles = children(child(root, 'activeProfiles'), 'activeProfile')
    .map((a) => interpolate(a.text.trim(), vars))
    .filter(Boolean);
  const out: SettingsFile = { ...empty, mirrors, servers, profiles, activeProfiles };
  if (localRepository !== undefined) out.localRepository = localRepository;
  return out;
}

/** `${user.home}`, `${maven.home}` and `${env.NAME}`, as Maven fills them in; unknown ones stay. */
export function interpolate(value: string, vars: SettingsVars): string {
  return value.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
    if (key === 'user.home') return vars.home;
    if (key === 'maven.home' && vars.mavenHome) return vars.mavenHome;
    if (key.startsWith('env.')) return vars.env[key.slice(4)] ?? whole;
    return whole;
  });
}
