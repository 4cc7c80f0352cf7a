#!/usr/bin/env node
// Pins the runtime classpath of some Maven roots into a Flotilla lock file (src/core/artifact.ts):
//
//   node scripts/lock-artifacts.mjs <lock-id> <g:a:v[:classifier]>[,more] [--exclude g:a,...] \
//     > src/catalog/<pkg>/locks/<version>.lock.json
//
// Maven does the resolution (nearest-wins, exclusions, scopes), so a lock is exactly what `mvn` would
// put on a runtime classpath; this script only hashes the files Maven resolved into ~/.m2/repository.
// The output is sorted and formatted with the repository's prettier config, so re-locking the same
// roots gives the same bytes.
//
// Maven reads one repository only: Maven Central, or the first URL of FLOTILLA_MAVEN_REPO. A global
// settings file of our own mirrors every repository (`*`) there, including those that dependency poms
// declare (Spark's parent pom names `gcs-maven-central-mirror`, unreachable from many networks, and
// Maven fails on it instead of moving on). Flotilla's resolver fetches from those same places and never
// from a pom's repositories, so a jar found elsewhere would make a lock Flotilla cannot fetch. The
// user's ~/.m2/settings.xml still applies (its own mirrors win, so does its localRepository).
import { execFileSync } from 'node:child_process';
import console from 'node:console';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { URL } from 'node:url';

// Pinned so that a newer plugin cannot change how the list is printed or resolved.
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

function usage(message) {
  if (message) console.error(`lock-artifacts: ${message}`);
  console.error(
    'usage: node scripts/lock-artifacts.mjs <lock-id> <groupId:artifactId:version[:classifier]>[,more] [--exclude groupId:artifactId,...]',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const positional = [];
  let excludes = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--exclude')
      excludes = excludes.concat(splitList(argv[++i] ?? usage('--exclude needs a value')));
    else if (arg.startsWith('--exclude='))
      excludes = excludes.concat(splitList(arg.slice('--exclude='.length)));
    else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 2) usage();
  const [id, rootList] = positional;
  const roots = splitList(rootList);
  for (const r of roots) if (!/^[^:\s]+:[^:\s]+:[^:\s]+(:[^:\s]+)?$/.test(r)) usage(`bad root ${r}`);
  for (const e of excludes)
    if (!/^[^:\s]+:[^:\s]+$/.test(e)) usage(`bad exclusion ${e} (want groupId:artifactId)`);
  return { id, roots, excludes };
}

function splitList(s) {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

const xml = (s) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function pom(roots, excludes) {
  const exclusions = excludes
    .map((e) => {
      const [g, a] = e.split(':');
      return `<exclusion><groupId>${xml(g)}</groupId><artifactId>${xml(a)}</artifactId></exclusion>`;
    })
    .join('');
  const deps = roots
    .map((r) => {
      const [g, a, v, c] = r.split(':');
      return (
        `<dependency><groupId>${xml(g)}</groupId><artifactId>${xml(a)}</artifactId><version>${xml(v)}</version>` +
        (c ? `<classifier>${xml(c)}</classifier>` : '') +
        `<scope>runtime</scope><exclusions>${exclusions}</exclusions></dependency>`
      );
    })
    .join('\n    ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>flotilla.lock</groupId>
  <artifactId>lock</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    ${deps}
  </dependencies>
</project>
`;
}

// A line of `dependency:list -DoutputAbsoluteArtifactFilename=true` looks like
//   org.slf4j:slf4j-api:jar:1.7.36:compile:/root/.m2/repository/org/slf4j/.../slf4j-api-1.7.36.jar -- module org.slf4j
// with an optional classifier between type and version. The path is the only part that starts with '/'.
function parseListLine(line) {
  const trimmed = line.trim().replace(/ -- module .*$/, '');
  const at = trimmed.indexOf(':/');
  if (at < 0) return null;
  const file = trimmed.slice(at + 1);
  const parts = trimmed.slice(0, at).split(':');
  if (parts.length !== 5 && parts.length !== 6) return null;
  const [groupId, artifactId, type] = parts;
  const classifier = parts.length === 6 ? parts[3] : undefined;
  const version = parts[parts.length - 2];
  return { groupId, artifactId, type, classifier, version, file };
}

function describe(dep) {
  const classifier = dep.classifier ?? (dep.type === 'test-jar' ? 'tests' : undefined);
  const extension = ['jar', 'bundle', 'test-jar', 'maven-plugin'].includes(dep.type) ? 'jar' : dep.type;
  if (extension !== path.extname(dep.file).slice(1))
    throw new Error(`unexpected file ${dep.file} for type ${dep.type}`);
  const bytes = fs.readFileSync(dep.file);
  const out = { groupId: dep.groupId, artifactId: dep.artifactId, version: dep.version };
  if (classifier) out.classifier = classifier;
  if (extension !== 'jar') out.extension = extension;
  out.sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  out.size = bytes.length;
  return out;
}

const MAVEN_CENTRAL = 'https://repo.maven.apache.org/maven2';

/** Maven global settings whose one mirror takes every repository's requests. */
function settings() {
  const first = splitList(process.env.FLOTILLA_MAVEN_REPO ?? '')[0];
  const url = new URL(first ?? MAVEN_CENTRAL);
  const server =
    url.username || url.password
      ? `<servers><server><id>flotilla-lock</id><username>${xml(decodeURIComponent(url.username))}</username>` +
        `<password>${xml(decodeURIComponent(url.password))}</password></server></servers>`
      : '';
  url.username = '';
  url.password = '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0">
  ${server}
  <mirrors>
    <mirror><id>flotilla-lock</id><mirrorOf>*</mirrorOf><url>${xml(url.href.replace(/\/$/, ''))}</url></mirror>
  </mirrors>
</settings>
`;
}

const key = (a) => `${a.groupId}:${a.artifactId}:${a.classifier ?? ''}`;

async function format(json) {
  // The lock files live in the repository, which `prettier --check` gates; format them the same way.
  try {
    const prettier = await import('prettier');
    const here = path.join(process.cwd(), 'x.lock.json');
    const config = (await prettier.resolveConfig(here)) ?? {};
    return await prettier.format(json, { ...config, filepath: here });
  } catch {
    return json;
  }
}

async function main() {
  const { id, roots, excludes } = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-lock-'));
  try {
    fs.writeFileSync(path.join(dir, 'pom.xml'), pom(roots, excludes));
    fs.writeFileSync(path.join(dir, 'settings.xml'), settings(), { mode: 0o600 });
    const listFile = path.join(dir, 'deps.txt');
    execFileSync(
      'mvn',
      [
        '-q',
        '-B',
        '-Dstyle.color=never',
        '-gs',
        path.join(dir, 'settings.xml'),
        '-f',
        path.join(dir, 'pom.xml'),
        `${DEPENDENCY_PLUGIN}:list`,
        '-DincludeScope=runtime',
        '-DoutputAbsoluteArtifactFilename=true',
        '-DappendOutput=false',
        `-DoutputFile=${listFile}`,
      ],
      // Maven's own output must not reach our stdout, which is the lock file.
      { stdio: ['ignore', process.stderr, 'inherit'] },
    );
    const deps = fs
      .readFileSync(listFile, 'utf8')
      .split('\n')
      .map(parseListLine)
      .filter((d) => d !== null)
      .filter((d) => !excludes.includes(`${d.groupId}:${d.artifactId}`));
    if (deps.length === 0) throw new Error(`mvn listed no dependencies in ${listFile}`);
    const artifacts = deps.map(describe).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const lock = { id, roots, artifacts };
    process.stdout.write(await format(JSON.stringify(lock, null, 2) + '\n'));
    console.error(`lock-artifacts: ${id}: ${artifacts.length} artifacts`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`lock-artifacts: ${err.message}`);
  process.exit(1);
});
