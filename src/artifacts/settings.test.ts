import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { MAVEN_CENTRAL, parseRepoList, repositorySettings } from './settings.js';
import { tempDir } from './testing/repo-server.js';

/** A HOME with ~/.m2/settings.xml and a MAVEN_HOME with conf/settings.xml, each only when given. */
function homes(t: TestContext, user?: string, global?: string) {
  const home = tempDir();
  const mavenHome = tempDir();
  t.after(() => {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(mavenHome, { recursive: true, force: true });
  });
  if (user !== undefined) {
    fs.mkdirSync(path.join(home, '.m2'));
    fs.writeFileSync(path.join(home, '.m2', 'settings.xml'), `<settings>${user}</settings>`);
  }
  if (global !== undefined) {
    fs.mkdirSync(path.join(mavenHome, 'conf'));
    fs.writeFileSync(
      path.join(mavenHome, 'conf', 'settings.xml'),
      `<?xml version="1.0"?>\n<settings>${global}</settings>`,
    );
  }
  return { home, mavenHome, env: { HOME: home, MAVEN_HOME: mavenHome } as NodeJS.ProcessEnv };
}

const mirror = (id: string, of: string, url: string, extra = '') =>
  `<mirror><id>${id}</id><mirrorOf>${of}</mirrorOf><url>${url}</url>${extra}</mirror>`;
// What Debian's /usr/share/maven/conf/settings.xml (Maven 3.8.1+) holds besides comments.
const BLOCKER = `<mirrors><!-- examples… -->${mirror('maven-default-http-blocker', 'external:http:*', 'http://0.0.0.0/', '<blocked>true</blocked>')}</mirrors>`;

test('with no settings at all: Maven Central and ~/.m2/repository', (t) => {
  const { env, home } = homes(t);
  const s = repositorySettings(env);
  assert.deepEqual(s.remotes, [{ id: 'central', url: MAVEN_CENTRAL, source: 'Maven Central (default)' }]);
  assert.equal(s.localRepository, path.join(home, '.m2', 'repository'));
  assert.equal(s.source, 'Maven Central (default)');
});

test("the global settings' http blocker keeps Central (https) usable", (t) => {
  const { env } = homes(t, undefined, BLOCKER);
  const s = repositorySettings(env);
  assert.deepEqual(
    s.remotes.map((r) => r.url),
    [MAVEN_CENTRAL],
  );
  assert.deepEqual(s.blocked, []);
});

test('FLOTILLA_MAVEN_REPO wins over settings.xml; a comma list is tried in order; user:pass@ is basic auth', (t) => {
  const { env } = homes(t, `<mirrors>${mirror('corp', '*', 'https://nexus.example/m2')}</mirrors>`);
  env.FLOTILLA_MAVEN_REPO = 'https://ann:p%40ss@a.example/m2/, http://127.0.0.1:8081/m2';
  const s = repositorySettings(env);
  assert.deepEqual(s.remotes, [
    {
      id: 'flotilla',
      url: 'https://a.example/m2',
      auth: { username: 'ann', password: 'p@ss' },
      source: 'FLOTILLA_MAVEN_REPO',
    },
    { id: 'flotilla-2', url: 'http://127.0.0.1:8081/m2', source: 'FLOTILLA_MAVEN_REPO' },
  ]);
  assert.equal(s.source, 'FLOTILLA_MAVEN_REPO');
  assert.throws(
    () => parseRepoList('ftp://x.example/'),
    /FLOTILLA_MAVEN_REPO: ftp:\/\/x\.example\/ is not an http\(s\) URL/,
  );
});

test('a mirror of central replaces it, with the credentials of the server of the same id', (t) => {
  const { env } = homes(
    t,
    `<mirrors>${mirror('corp', 'central', 'https://nexus.example/m2/')}</mirrors>
     <servers><server><id>corp</id><username>ann</username><password>pw</password></server></servers>`,
    BLOCKER,
  );
  const s = repositorySettings(env);
  assert.deepEqual(s.remotes, [
    {
      id: 'corp',
      url: 'https://nexus.example/m2',
      auth: { username: 'ann', password: 'pw' },
      source: 'mirror corp in ~/.m2/settings.xml',
    },
  ]);
  assert.equal(s.source, 'mirror corp in ~/.m2/settings.xml');
});

test('mirrorOf external:* and !central as Maven reads them', (t) => {
  const ext = repositorySettings(
    homes(t, `<mirrors>${mirror('ext', 'external:*', 'https://ext.example')}</mirrors>`).env,
  );
  assert.equal(ext.remotes[0]!.id, 'ext');
  const not = repositorySettings(
    homes(t, `<mirrors>${mirror('most', '*,!central', 'https://most.example')}</mirrors>`).env,
  );
  assert.deepEqual(
    not.remotes.map((r) => r.url),
    [MAVEN_CENTRAL],
  );
});

test('an active profile repository over plain http is blocked by the global blocker, as in Maven', (t) => {
  const profile = `<profiles><profile><id>corp</id><repositories>
      <repository><id>old</id><url>http://old.example/m2</url></repository>
      <repository><id>snap</id><url>https://snap.example/m2</url><releases><enabled>false</enabled></releases></repository>
    </repositories></profile></profiles><activeProfiles><activeProfile>corp</activeProfile></activeProfiles>`;
  const s = repositorySettings(homes(t, profile, BLOCKER).env);
  assert.deepEqual(
    s.remotes.map((r) => r.id),
    ['central'],
    'releases-disabled repositories are skipped too',
  );
  assert.deepEqual(
    s.blocked.map((b) => [b.id, b.url]),
    [['old', 'http://old.example/m2']],
  );
  assert.match(s.blocked[0]!.source, /^mirror maven-default-http-blocker in \/.*\/conf\/settings\.xml$/);
});

test('user mirrors come before global ones of another id; the same id in the user file wins', (t) => {
  const global = `<mirrors>${mirror('g', '*', 'https://global.example')}${mirror('same', 'central', 'https://g-same.example')}</mirrors>`;
  const user = `<mirrors>${mirror('same', 'central', 'https://u-same.example')}</mirrors>`;
  const s = repositorySettings(homes(t, user, global).env);
  assert.deepEqual(
    s.remotes.map((r) => r.url),
    ['https://u-same.example'],
  );
});

test('FLOTILLA_MAVEN_SETTINGS replaces ~/.m2/settings.xml; ${user.home} and ${env.X} are filled in', (t) => {
  const { env, home } = homes(t, `<localRepository>/nowhere</localRepository>`);
  const file = path.join(home, 'other.xml');
  fs.writeFileSync(
    file,
    `<settings><localRepository>\${user.home}/repo</localRepository>
     <mirrors>${mirror('m', '*', 'https://${env.MIRROR_HOST}/m2')}</mirrors></settings>`,
  );
  const s = repositorySettings({ ...env, FLOTILLA_MAVEN_SETTINGS: file, MIRROR_HOST: 'mirror.example' });
  assert.equal(s.localRepository, path.join(home, 'repo'));
  assert.equal(s.remotes[0]!.url, 'https://mirror.example/m2');
  assert.equal(s.remotes[0]!.source, 'mirror m in ~/other.xml');
  assert.throws(
    () => repositorySettings({ ...env, FLOTILLA_MAVEN_SETTINGS: path.join(home, 'missing.xml') }),
    {
      code: 'VALIDATION_FAILED',
    },
  );
});

test('a malformed settings.xml or an encrypted password is a clear VALIDATION_FAILED', (t) => {
  const broken = homes(t, '<mirrors><mirror></mirrors>');
  assert.throws(
    () => repositorySettings(broken.env),
    /~\/\.m2\/settings\.xml is not well-formed XML: unexpected <\/mirrors> at line 1/,
  );
  const encrypted = homes(
    t,
    `<mirrors>${mirror('corp', '*', 'https://n.example')}</mirrors>
     <servers><server><id>corp</id><username>a</username><password>{COQLCE6DU6GtcS5P=}</password></server></servers>`,
  );
  assert.throws(
    () => repositorySettings(encrypted.env),
    /server corp in ~\/\.m2\/settings\.xml has an encrypted password/,
  );
});
