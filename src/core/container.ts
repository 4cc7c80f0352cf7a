/** How a task runs under the Docker driver: the image, and what the stack's network and the host see of it. */
export interface ContainerSpec {
  /** The image to run: a catalog runtime image built by `flotilla images build`, or the user's own. */
  image: string;
  /**
   * Compose's pull_policy: 'missing' (unset: the default) pulls the image when the engine lacks it,
   * 'always' pulls it before each launch, 'never' requires it present, 'build' builds it (a `build:`).
   */
  pullPolicy?: PullPolicy;
  /** The file gives no health check: the image's own HEALTHCHECK, if it has one, is used (as Docker does). */
  imageHealthcheck?: boolean;
  /** Build the image from this context first, tagged `image` (a Compose `build:`). */
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  /** Replaces the image's entrypoint; unset keeps it. */
  entrypoint?: string[];
  /**
   * When true, neither cmd nor args is given to the container: the image's own command runs
   * (a Compose service without `command`). The spec then carries `args: []`.
   */
  imageCommand?: boolean;
  /** DNS names of the task on its stack's network (the task's own name is always one). */
  aliases: string[];
  /** Container ports published on the host, for clients on the host. */
  publish: PublishedPort[];
  /** Extra mounts: a host path (bind) or a named volume scoped to the tenant and stack (volume). */
  mounts: ContainerMount[];
  /** Working directory in the container; unset: the task's sandbox, mounted at its own path. */
  workdir?: string;
  /** Keep the image's WORKDIR (Compose services without `working_dir`). */
  imageWorkdir?: boolean;
  /** The container's hostname; unset: its first alias. */
  hostname?: string;
  /** 'uid:gid' or a name; unset: the daemon's own uid:gid, so files in the sandbox stay the daemon's. */
  user?: string;
  /** Keep the image's user (Compose services without `user`). */
  imageUser?: boolean;
  /** Engine settings a Compose file asked for, passed to the container as they are (docker driver). */
  engine?: ContainerEngineSettings;
  /**
   * A Compose service: its project and its name as written. Its replicas are numbered from 1 as
   * Compose numbers containers: each answers to `<service>-<n>` and `<project>-<service>-<n>`.
   */
  compose?: { project: string; service: string };
  /**
   * On the host's network (Marathon's `network: HOST`, a cluster admin's only): no network of its
   * own and nothing published; it binds its ports ($HOST:$PORT0…) on its task's address itself.
   */
  hostNetwork?: boolean;
  /** The app's labels (Compose's `labels:`), put on its containers; Flotilla's own `io.flotilla.*` win. */
  labels?: Record<string, string>;
}

/** Compose keys honoured by the Docker engine itself; each is set only when the file gives it. */
export interface ContainerEngineSettings {
  /** `host:ip` lines for /etc/hosts (extra_hosts). */
  extraHosts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  ulimits?: { name: string; soft: number; hard: number }[];
  /** The signal that asks the container to stop (stop_signal); unset: SIGTERM. */
  stopSignal?: string;
  /** tmpfs mounts: container path → mount options (`size=64m`). */
  tmpfs?: Record<string, string>;
  /** /dev/shm size in bytes. */
  shmSize?: number;
  capAdd?: string[];
  capDrop?: string[];
  sysctls?: Record<string, string>;
  readOnly?: boolean;
  pidsLimit?: number;
  privileged?: boolean;
  securityOpt?: string[];
  /** false: no docker-init as PID 1 (Compose's `init: false`); unset: docker-init runs. */
  init?: boolean;
  /** The engine's log rotation for the container (logging.options max-size, max-file). */
  logMaxSize?: string;
  logMaxFile?: string;
}

export type PullPolicy = 'missing' | 'always' | 'never' | 'build';

export interface PublishedPort {
  containerPort: number;
  hostPort: number;
  protocol: 'tcp' | 'udp';
  /** A loopback address to publish on (a Compose `127.0.0.1:8080:80`); unset: the task's virtual node. */
  hostIp?: string;
}

export interface ContainerMount {
  /** tmpfs: a memory file system at `target` (source empty), with `tmpfsOptions` such as size=64m. */
  type: 'bind' | 'volume' | 'tmpfs';
  tmpfsOptions?: string;
  /** An absolute host path (bind), or a volume name as the stack file wrote it (volume). */
  source: string;
  target: string;
  readOnly: boolean;
}
