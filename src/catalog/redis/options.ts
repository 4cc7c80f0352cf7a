import { portOption } from '../schema.js';

/** The eviction policies Redis 7 accepts for `maxmemory-policy`. */
export const MAXMEMORY_POLICIES = [
  'noeviction',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
] as const;

export interface RedisOptions {
  port: number;
  password?: string;
  maxmemory?: string;
  maxmemoryPolicy: (typeof MAXMEMORY_POLICIES)[number];
  persistence: 'aof' | 'none';
  replicas: number;
  cpus: number;
  mem: number;
}

export const MAX_REPLICAS = 5;

/** One source for the schema's defaults and `readOptions`'s fallbacks. */
const DEFAULTS = {
  port: 0,
  maxmemoryPolicy: 'noeviction',
  persistence: 'aof',
  replicas: 0,
  cpus: 0.5,
  mem: 256,
} as const satisfies Partial<RedisOptions>;

export const optionsSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: portOption(
      "The primary's port; 0 assigns a free one. Replicas always get free ports.",
      DEFAULTS.port,
    ),
    password: {
      type: 'string',
      minLength: 1,
      writeOnly: true,
      description:
        'Required by clients and replicas (requirepass/masterauth). Kept out of argv, env and logs.',
    },
    maxmemory: {
      type: 'string',
      // Redis's own memory units, case-insensitive: bytes, k/kb, m/mb, g/gb.
      pattern: '^[0-9]+([bB]|[kKmMgG][bB]?)?$',
      examples: ['256mb', '1gb'],
      description: 'Memory limit for the dataset; unset means no limit.',
    },
    maxmemoryPolicy: {
      type: 'string',
      enum: [...MAXMEMORY_POLICIES],
      default: DEFAULTS.maxmemoryPolicy,
      description: 'What Redis does when maxmemory is reached.',
    },
    persistence: {
      type: 'string',
      enum: ['aof', 'none'],
      default: DEFAULTS.persistence,
      description: 'aof: append-only file in the task data directory, fsync every second; none: memory only.',
    },
    replicas: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_REPLICAS,
      default: DEFAULTS.replicas,
      description: 'Read replicas that follow the primary.',
    },
    cpus: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DEFAULTS.cpus,
      description: 'CPU shares per task.',
    },
    mem: { type: 'integer', minimum: 16, default: DEFAULTS.mem, description: 'Memory per task, in MB.' },
  },
};

/** Typed view of options that `validateOptions` has already checked and defaulted. */
export function readOptions(options: Record<string, unknown>): RedisOptions {
  const o = options as Partial<RedisOptions>;
  const out: RedisOptions = {
    port: o.port ?? DEFAULTS.port,
    maxmemoryPolicy: o.maxmemoryPolicy ?? DEFAULTS.maxmemoryPolicy,
    persistence: o.persistence ?? DEFAULTS.persistence,
    replicas: o.replicas ?? DEFAULTS.replicas,
    cpus: o.cpus ?? DEFAULTS.cpus,
    mem: o.mem ?? DEFAULTS.mem,
  };
  if (o.password !== undefined) out.password = o.password;
  if (o.maxmemory !== undefined) out.maxmemory = o.maxmemory;
  return out;
}
