import fc from 'fast-check';
import { stringify } from 'yaml';
import { getPackage, listPackages } from '../../src/catalog/registry.js';

/**
 * What the fuzzing suite feeds Flotilla: stack files, Compose files, Marathon app definitions and
 * package options, each valid (built from what the docs say works) and mutated (the same, then
 * broken in the ways people and programs break files: a key dropped or misspelt, a value of the
 * wrong type, out of range, empty or huge, a reference to nothing, YAML cut short, aliases, tabs).
 */

const NAME = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);

/** Commands that run until stopped: what a valid app declares. */
const COMMANDS = [
  { cmd: 'exec sleep 600' },
  { args: ['sleep', '600'] },
  { cmd: 'while true; do echo "$HOST:$PORT0 $(date +%s)"; sleep 1; done' },
];

const ENV = fc.dictionary(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,12}$/), fc.string({ maxLength: 40 }), {
  maxKeys: 4,
});

/** A Marathon app definition Flotilla runs (without its id). */
export const appBody = fc
  .record(
    {
      command: fc.constantFrom(...COMMANDS),
      instances: fc.integer({ min: 0, max: 2 }),
      cpus: fc.constantFrom(0.01, 0.05, 0.1),
      mem: fc.integer({ min: 4, max: 64 }),
      env: ENV,
      ports: fc.constantFrom([], [0]),
      backoffSeconds: fc.constantFrom(1, 2),
      labels: fc.dictionary(NAME, fc.string({ maxLength: 10 }), { maxKeys: 2 }),
    },
    { requiredKeys: ['command'] },
  )
  .map(({ command, ...rest }) => ({ ...command, ...rest }) as Record<string, unknown>);

export const marathonApp = fc.tuple(NAME, appBody).map(([id, body]) => ({ id: `/${id}`, ...body }));

/** A redis service's options within its schema. */
const redisOptions = fc.record(
  {
    replicas: fc.integer({ min: 0, max: 1 }),
    password: fc.stringMatching(/^[A-Za-z0-9]{1,16}$/),
    maxmemory: fc.integer({ min: 16, max: 128 }).map((n) => `${n}mb`),
    persistence: fc.constantFrom('aof', 'none'),
    mem: fc.integer({ min: 32, max: 128 }),
    cpus: fc.constantFrom(0.1, 0.2),
  },
  { requiredKeys: [] },
);

/** A Flotilla stack file's data: a redis service or none, apps, a reference from an app to the service. */
export const stackData = fc
  .record({
    name: NAME,
    withCache: fc.boolean(),
    cache: redisOptions,
    apps: fc.dictionary(NAME, appBody, { minKeys: 1, maxKeys: 3 }),
    refer: fc.boolean(),
  })
  .map(({ name, withCache, cache, apps, refer }) => {
    const appEntries = Object.entries(apps).filter(([k]) => k !== 'cache');
    const doc: Record<string, unknown> = { name };
    if (withCache) doc.services = { cache: { package: 'redis', options: cache } };
    doc.apps = Object.fromEntries(
      appEntries.map(([k, body], i) => [
        k,
        withCache && refer && i === 0
          ? { ...body, env: { ...(body.env as object), CACHE: '${cache.url}' } }
          : body,
      ]),
    );
    return doc;
  });

/** Images a Compose service may run: present where the Docker tests run (scripts/test-images.sh builds them). */
export const COMPOSE_IMAGE = 'flotilla/base:bookworm';

export const composeData = fc
  .record({
    name: NAME,
    services: fc.dictionary(
      NAME,
      fc.record(
        {
          command: fc.constantFrom(['sleep', '600'], 'sleep 600', 'sh -c "sleep 600"'),
          environment: fc.oneof(
            ENV,
            ENV.map((e) => Object.entries(e).map(([k, v]) => `${k}=${v}`)),
          ),
          restart: fc.constantFrom('no', 'always', 'unless-stopped', 'on-failure'),
          cpus: fc.constantFrom('0.05', 0.1),
          mem_limit: fc.constantFrom('32m', '64m'),
          labels: fc.dictionary(NAME, fc.string({ maxLength: 8 }), { maxKeys: 2 }),
        },
        { requiredKeys: ['command'] },
      ),
      { minKeys: 1, maxKeys: 3 },
    ),
  })
  .map(({ name, services }) => ({
    name,
    services: Object.fromEntries(
      Object.entries(services).map(([k, s]) => [k, { image: COMPOSE_IMAGE, ...s }]),
    ),
  }));

/** Options for one of the catalog's packages, drawn from its JSON Schema. */
export const packageOptions = fc
  .constantFrom(...listPackages().map((p) => `${p.name}@${p.version}`))
  .chain((ref) => {
    const [name, version] = ref.split('@') as [string, string];
    const schema = getPackage(name, version).optionsSchema as { properties?: Record<string, Schema> };
    const props = Object.fromEntries(
      Object.entries(schema.properties ?? {}).flatMap(([k, s]) => {
        const arb = fromSchema(s);
        return arb ? [[k, arb]] : [];
      }),
    );
    return fc
      .tuple(
        fc.record(props, { requiredKeys: [] }),
        fc.oneof({ weight: 9, arbitrary: NAME }, { weight: 1, arbitrary: fc.string() }),
      )
      .map(([options, service]) => ({ name: service, package: name, version, options }));
  });

interface Schema {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  examples?: unknown[];
  default?: unknown;
}

/** A value a property schema accepts (the subset the catalog uses); null: leave the property out. */
function fromSchema(s: Schema): fc.Arbitrary<unknown> | null {
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.examples && s.examples.length > 0) return fc.constantFrom(...s.examples);
  switch (s.type) {
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: s.minimum ?? 0, max: Math.min(s.maximum ?? Infinity, (s.minimum ?? 0) + 10) });
    case 'number':
      return fc.double({
        min: s.minimum ?? 0,
        max: Math.min(s.maximum ?? 4, (s.minimum ?? 0) + 4),
        noNaN: true,
      });
    case 'string':
      return s.pattern ? null : fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/);
    default:
      return s.default !== undefined ? fc.constant(s.default) : null;
  }
}

/** Values that break things: wrong types, edges of ranges, empties, huge, references to nothing. */
const NASTY: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    '',
    ' ',
    0,
    -1,
    1e308,
    -0,
    99999999,
    1.5,
    true,
    [],
    {},
    [[]],
    '${cache}',
    '${a.b.c}',
    '${nosuch.url}',
    '${UNDEFINED_VAR}',
    '${VAR:?required}',
    '$${literal}',
    '${',
    '\u0000',
    '\t',
    '../../etc/passwd',
    '/',
    'x'.repeat(300_000),
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
);

/** The same data, broken once or a few times at random places. */
export function mutated<T>(data: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      data,
      fc.array(fc.tuple(fc.nat(), fc.nat(), NASTY, fc.constantFrom('set', 'drop', 'add')), {
        minLength: 1,
        maxLength: 3,
      }),
    )
    .map(([value, edits]) => {
      let out: unknown = structuredClone(value);
      for (const [where, which, nasty, how] of edits) out = edit(out, where, which, nasty, how);
      return out;
    });
}

function edit(value: unknown, where: number, which: number, nasty: unknown, how: string): unknown {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(value, []);
  const path = paths[where % paths.length]!;
  if (path.length === 0) return how === 'set' ? nasty : value;
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value) as
    Record<string | number, unknown> | unknown[];
  const key = path[path.length - 1]!;
  if (how === 'drop') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key as string];
  } else if (how === 'add' && !Array.isArray(parent)) {
    parent[
      ['replica', 'comand', 'instance', 'x-extra', 'privileged', 'uris', 'image', 'dependsOn'][which % 8]!
    ] = nasty;
  } else (parent as Record<string | number, unknown>)[key] = nasty;
  return value;
}

/** Text edits of a YAML file: cut short, a stray character, a duplicate key, an alias, a tab. */
const TEXT_EDITS = [
  (t: string, n: number) => t.slice(0, n % (t.length + 1)),
  (t: string, n: number) =>
    `${t.slice(0, n % (t.length + 1))}${':{}[]&*!|>\'"%@`#,\t-?'[n % 21]}${t.slice(n % (t.length + 1))}`,
  (t: string) => `${t}\n${t.split('\n')[0]}\n`,
  (t: string) => `x-a: &a [1, 2, 3]\nx-b: [*a, *a, *a]\n${t}`,
  (t: string) => t.replace(/ {2}/, '\t'),
  (t: string, n: number) =>
    t
      .split('\n')
      .filter((_, i) => i !== n % 12)
      .join('\n'),
];

/** YAML text of the data, valid or mutated, and sometimes edited as text. */
export function yamlText(data: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc
    .tuple(data, fc.option(fc.tuple(fc.nat(TEXT_EDITS.length - 1), fc.nat()), { freq: 3 }))
    .map(([value, textEdit]) => {
      const text = stringify(value);
      return textEdit ? TEXT_EDITS[textEdit[0]]!(text, textEdit[1]) : text;
    });
}
