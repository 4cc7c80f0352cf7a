/**
 * The registry of coded errors. Every error the daemon, the client or the CLI reports carries one
 * of these codes; docs/errors.md documents each (a test keeps the two in step).
 * `hint` says what the user should change; the thrower adds the specifics.
 */
export const ERRORS = {
  VALIDATION_FAILED: {
    status: 400,
    hint: 'Fix the request body or query so that it matches the API schema.',
  },
  USAGE_INVALID: {
    status: 400,
    hint: 'Run the command with --help to see its arguments and options.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    hint: 'Send less: docs/errors.md#limits lists the size limits (1 MiB a file, 2 MiB a request body).',
  },
  INPUT_TOO_COMPLEX: {
    status: 413,
    hint: 'Split the file, or write it with fewer keys, less nesting and fewer YAML aliases (docs/errors.md#limits).',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    hint: 'Shorten the URL or the headers: together they may take at most 16 KiB.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    hint: 'Send request bodies as JSON, with the header Content-Type: application/json.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    hint: 'Send the whole request at once; the daemon closes connections that stall.',
  },
  STACK_INVALID: { status: 400, hint: 'Fix the stack file at the path named in the message.' },
  STACK_REFERENCE_UNKNOWN: {
    status: 400,
    hint: 'A ${service.field} reference must name a service of the same stack and a field of its endpoint.',
  },
  DEPENDENCY_CYCLE: { status: 400, hint: 'Remove one of the dependencies so that the graph has no cycle.' },
  PACKAGE_NOT_FOUND: { status: 404, hint: 'Run `flotilla package list` to see the packages in the catalog.' },
  PACKAGE_OPTIONS_INVALID: {
    status: 400,
    hint: 'Run `flotilla package describe <package>` to see the options the package accepts.',
  },
  APP_INVALID: { status: 400, hint: 'Fix the app definition field named in the message.' },
  APP_FIELD_UNSUPPORTED: {
    status: 400,
    hint: 'Remove the field from the app definition; Flotilla does not support it (see docs/api.md#apps).',
  },
  NAME_CONFLICT: { status: 409, hint: 'Choose another name, or remove the existing one first.' },
  PORT_IN_USE: { status: 409, hint: 'Choose another port, or use 0 to let Flotilla assign a free one.' },
  PORT_PRIVILEGED: {
    status: 400,
    hint: "Ask for a port of 1024 or more (or 0 for any free port): tasks run as their tenant's user, without the privilege to bind a low port.",
  },
  PORTS_EXHAUSTED: { status: 503, hint: 'Free some ports, or widen the port range (FLOTILLA_PORT_RANGE).' },
  PLACEMENT_FAILED: {
    status: 422,
    hint: 'Use fewer instances of a spread role, or more virtual nodes (FLOTILLA_NODES).',
  },
  RESOURCES_UNSATISFIABLE: {
    status: 422,
    hint: 'Ask for what the largest node offers (the message names it), fewer instances, or give nodes more (FLOTILLA_NODE_CPUS, FLOTILLA_NODE_MEM, FLOTILLA_NODE_DISK, FLOTILLA_NODES).',
  },
  ENV_TOO_LARGE: {
    status: 422,
    hint: 'Shorten the environment value or argument the message names: put large data in a file in your data folder and pass its path.',
  },
  BINARY_MISSING: { status: 422, hint: 'Install the program named in the message, then try again.' },
  APP_NOT_FOUND: { status: 404, hint: 'Run `flotilla app list` to see the apps.' },
  SERVICE_NOT_FOUND: { status: 404, hint: 'Run `flotilla ps` to see the services.' },
  DCOS_API_UNSUPPORTED: {
    status: 400,
    hint: "Call /service/{name}/v1/ (DC/OS's Cassandra service API) on a cassandra service; `flotilla ps` shows each service's package.",
  },
  STACK_NOT_FOUND: { status: 404, hint: 'Run `flotilla stack list` to see the stacks.' },
  TASK_NOT_FOUND: { status: 404, hint: 'Run `flotilla task list` to see the tasks.' },
  ROUTE_NOT_FOUND: { status: 404, hint: 'See /v1/openapi.json for the routes the API offers.' },
  CONSOLE_NOT_BUILT: {
    status: 503,
    hint: 'Run `npm run build`: it builds the web console into dist/web, which the daemon serves at /.',
  },
  SERVICE_NOT_KAFKA: {
    status: 400,
    hint: "The Kafka routes read a kafka service: name one (`flotilla ps` shows each service's package).",
  },
  KAFKA_NOT_READY: {
    status: 409,
    hint: 'Wait until a broker of the service is ready (`flotilla ps`, or the service page, shows its tasks).',
  },
  KAFKA_UNREACHABLE: {
    status: 504,
    hint: "No broker answered in time: check the service's tasks (`flotilla ps`, `flotilla logs <task>`) and try again.",
  },
  KAFKA_REQUEST_FAILED: {
    status: 502,
    hint: 'Read what Kafka said in the message; the brokers may still be electing leaders: try again in a moment.',
  },
  KAFKA_TOPIC_NOT_FOUND: {
    status: 404,
    hint: 'Name a topic of the service: GET /v1/services/{name}/kafka/topics lists them.',
  },
  KAFKA_PARTITION_NOT_FOUND: {
    status: 404,
    hint: 'Name a partition the topic has: GET /v1/services/{name}/kafka/topics/{topic} lists them.',
  },
  DRIVER_UNSUPPORTED: { status: 501, hint: 'This driver cannot do that; see its capabilities.' },
  DOCKER_UNAVAILABLE: {
    status: 503,
    hint: 'Start a Docker engine (`sudo dockerd`, or `bash scripts/docker-engine.sh`), or point DOCKER_HOST at one; `flotilla doctor` checks it.',
  },
  IMAGE_MISSING: {
    status: 422,
    hint: 'Run `flotilla images build` for the catalog images; build, load or `flotilla images pull` the image named in the message, or let it be pulled (pull_policy other than never, `up --pull missing`).',
  },
  PACKAGE_OPTION_UNSUPPORTED: {
    status: 400,
    hint: 'Remove the DC/OS option named in the message, or give the native option instead (`flotilla package describe <pkg>` lists them).',
  },
  REGISTRY_UNREACHABLE: {
    status: 502,
    hint: 'Set a registry mirror in dockerd\'s daemon.json ("registry-mirrors"), load the image with `docker load`, or give the service a `build:`; FLOTILLA_PULL_TIMEOUT sets how long a pull waits.',
  },
  IMAGE_PULL_DENIED: {
    status: 403,
    hint: 'Log in with `docker login <registry>` as the user the daemon runs as (or point DOCKER_CONFIG at a config.json that holds the credentials).',
  },
  IMAGE_PULL_FAILED: {
    status: 502,
    hint: 'Check the image name and tag in the message (`docker pull` shows the same answer); fix the name, or build or load the image.',
  },
  REGISTRY_AUTH_UNSUPPORTED: {
    status: 422,
    hint: 'Flotilla reads `auths` entries of config.json and runs no credential helper: `docker login` with a config.json that has no credsStore/credHelpers for that registry (DOCKER_CONFIG points at one).',
  },
  IMAGE_BUILD_FAILED: {
    status: 500,
    hint: 'Read the build output in the message; `flotilla images build --verbose` shows every step.',
  },
  COMPOSE_UNSUPPORTED: {
    status: 400,
    hint: 'Remove or rewrite the Compose key named in the message; docs/compose.md lists what Flotilla runs.',
  },
  COMPOSE_KEY_UNKNOWN: {
    status: 400,
    hint: 'The key is not part of the Compose specification (a typo?): use the key the message suggests; docs/compose.md lists every key.',
  },
  COMPOSE_NAME_COLLISION: {
    status: 400,
    hint: 'Two names of the file become the same DNS-safe name (lowercase, "_" and "." as "-"): rename one of them.',
  },
  TASK_NOT_RUNNING: { status: 409, hint: 'The task has no running process; wait until it is running.' },
  DAEMON_UNREACHABLE: {
    status: 503,
    hint: 'Start it with `flotilla daemon`, or check FLOTILLA_ADDR and the log in $FLOTILLA_HOME/logs/daemon.log.',
  },
  WAIT_TIMEOUT: {
    status: 504,
    hint: 'Run `flotilla ps` and `flotilla logs <task>` to see what is slow, or wait longer with --timeout.',
  },
  DEPLOY_FAILING: {
    status: 503,
    hint: "Read the failing task's output with `flotilla logs <task> --stderr` (or the service's message for a post-ready step), fix the definition, and apply again.",
  },
  DAEMON_ALREADY_RUNNING: { status: 409, hint: 'Stop it first with `flotilla daemon stop`.' },
  ARTIFACT_UNREACHABLE: {
    status: 502,
    hint: 'Check the network, or point Flotilla at a reachable repository with FLOTILLA_MAVEN_REPO or a mirror in ~/.m2/settings.xml.',
  },
  ARTIFACT_NOT_FOUND: {
    status: 502,
    hint: 'The repository lacks a pinned artifact: use a repository that carries Maven Central (FLOTILLA_MAVEN_REPO or a mirror in ~/.m2/settings.xml).',
  },
  ARTIFACT_CORRUPT: {
    status: 502,
    hint: 'The repository served bytes whose SHA-256 differs from the lock file: fix or change the repository, or re-lock if the lock file is wrong.',
  },
  UNAUTHENTICATED: {
    status: 401,
    hint: 'Send a valid token: `flotilla login`, or the FLOTILLA_TOKEN variable, or an Authorization: Bearer header.',
  },
  PERMISSION_DENIED: {
    status: 403,
    hint: "Your token's role may not do this: ask a tenant admin (or a cluster admin for tenants and quotas).",
  },
  TERMINAL_TICKET_INVALID: {
    status: 401,
    hint: 'Ask for a new ticket (POST /v1/tasks/{id}/terminal) and open the WebSocket with it within 30 s: a ticket is good once, for the task it was made for.',
  },
  TERMINAL_LIMIT: {
    status: 429,
    hint: "Close one of the tenant's open terminals (each tenant may have 4 at once), then open this one again.",
  },
  ISOLATION_FAILED: {
    status: 500,
    hint: 'The daemon could not give a tenant its own user, folders or firewall rules: read the message, fix the machine (useradd, iptables, FLOTILLA_HOME), and start the daemon again.',
  },
  ISOLATION_UNAVAILABLE: {
    status: 409,
    hint: 'Tenants are isolated from each other only by a daemon that runs as root. Run it as root, or set FLOTILLA_ISOLATION=none to share one user between tenants knowingly.',
  },
  SECURITY_REFUSED: {
    status: 403,
    hint: 'Only a cluster admin may use this key: it would let a task reach outside its tenant. Remove it, or ask a cluster admin to apply the file.',
  },
  TENANT_NOT_FOUND: { status: 404, hint: 'Run `flotilla tenant list` (cluster admins) to see the tenants.' },
  TENANT_NOT_EMPTY: {
    status: 409,
    hint: "Remove the tenant's stacks, services and apps first (`flotilla down`, `flotilla package uninstall`).",
  },
  SHARE_NOT_FOUND: {
    status: 404,
    hint: 'Run `flotilla service shares` to see what your tenant shares, and with whom.',
  },
  TOKEN_NOT_FOUND: { status: 404, hint: "Run `flotilla token list` to see your tenant's tokens." },
  AUTH_REQUIRED: {
    status: 400,
    hint: 'Keep authentication on (FLOTILLA_AUTH=token) to listen on an address other machines can reach.',
  },
  PLAN_NOT_FOUND: { status: 404, hint: 'Run `flotilla plan list <service>` to see the plans it offers.' },
  PLAN_PARAMETERS_INVALID: {
    status: 400,
    hint: 'Give the parameters the message names (`flotilla plan list <service>`).',
  },
  PLAN_RUNNING: { status: 409, hint: 'Wait for the plan, or `flotilla plan stop` it first.' },
  PLAN_CONFLICT: {
    status: 409,
    hint: 'One plan at a time per service: wait for the one under way (`flotilla plan show <service> <plan>`), or `flotilla plan stop` it first.',
  },
  PLAN_DOES_NOT_FIT: {
    status: 409,
    hint: 'Nothing was changed. Free capacity (`flotilla queue`, `flotilla task why`), run the daemon with more or larger nodes (FLOTILLA_NODES, FLOTILLA_NODE_CPUS/_MEM), or ask for less.',
  },
  STACK_OUT_OF_DATE: {
    status: 409,
    hint: 'Make the stack file say what the service is now (the message names the field and its value), or change it with the plan the message names.',
  },
  PLAN_FAILED: {
    status: 503,
    hint: 'Run `flotilla plan show <service> <plan>` to see the failed step and why; fix that, then `flotilla plan continue`.',
  },
  CQL_FAILED: {
    status: 422,
    hint: 'Cassandra refused or could not run the statement: fix it, or lower the consistency level if too few replicas are up.',
  },
  JOB_NOT_FOUND: { status: 404, hint: 'Run `flotilla spark jobs <service>` to see the jobs of a service.' },
  JOB_APP_INVALID: {
    status: 400,
    hint: 'Name an existing .py or .jar file in your data folder (`flotilla spark jobs <service>` prints it).',
  },
  JOB_APP_OUTSIDE_DATA: {
    status: 400,
    hint: 'Copy the application (and the jars it needs) into your data folder and name it there; `flotilla spark jobs <service>` prints the folder.',
  },
  DATA_PATH_INVALID: {
    status: 400,
    hint: 'Name a file inside your data folder with a relative path: no "..", no absolute path, no symbolic link on the way.',
  },
  DATA_QUOTA_EXCEEDED: {
    status: 507,
    hint: 'Free space in your data folder (remove files), or give it a larger size (`PUT /v1/data`, the wizard).',
  },
  DATA_QUOTA_UNAVAILABLE: {
    status: 422,
    hint: 'A data folder size needs a daemon run as root with e2fsprogs and loop devices; leave the size unset otherwise.',
  },
  DATA_QUOTA_SHRINK: {
    status: 409,
    hint: 'A data folder only grows: give a size at least as large as the present one.',
  },
  JOBS_UNSUPPORTED: {
    status: 422,
    hint: 'Submit jobs to a spark service (`flotilla spark create <name>` makes one).',
  },
  SERVICE_NOT_READY: {
    status: 409,
    hint: 'Wait until the service is ready (`flotilla service show <service>`, or `flotilla up --wait`), then try again.',
  },
  FAULT_INVALID: {
    status: 400,
    hint: 'Fix the fault request field the message names (`flotilla fault inject --help`; docs/failure-lab.md lists what each kind needs).',
  },
  FAULT_NOT_FOUND: { status: 404, hint: 'Run `flotilla fault list` to see the faults.' },
  FAULT_UNSUPPORTED: {
    status: 422,
    hint: 'This machine or driver cannot inject that fault: `flotilla doctor` says which mechanism each fault kind uses here (docs/failure-lab.md).',
  },
  EXPERIMENT_INVALID: {
    status: 400,
    hint: 'Fix the experiment file at the field the message names (docs/failure-lab.md#the-experiment-file).',
  },
  INTERNAL: { status: 500, hint: 'This is a bug in Flotilla; the daemon log has the details.' },
} as const satisfies Record<string, { status: number; hint: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  hint: string;
  details?: unknown;
}

export class FlotillaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly hint: string;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'FlotillaError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.hint = ERRORS[code].hint;
    this.details = details;
  }

  toJSON(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message, hint: this.hint };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }

  static fromBody(body: ErrorBody): FlotillaError {
    const code: ErrorCode = body.code in ERRORS ? body.code : 'INTERNAL';
    return new FlotillaError(code, body.message, body.details);
  }
}

export function isFlotillaError(err: unknown): err is FlotillaError {
  return err instanceof FlotillaError;
}
