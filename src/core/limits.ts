/**
 * The size and shape limits of what users send, in one place: the CLI checks files against them
 * before reading, the daemon before parsing, and docs/errors.md lists them with their codes.
 * They are far above any real stack file (a large Compose file has one or two thousand nodes) and
 * low enough that reading the largest accepted input stays well under a second.
 */
export const LIMITS = {
  /** A stack file, Compose file, Marathon app file or options file, in bytes (UTF-8). */
  fileBytes: 1024 * 1024,
  /** An HTTP request body, in bytes: a file of fileBytes fits even when JSON escaping doubles it. */
  bodyBytes: 2 * 1024 * 1024 + 64 * 1024,
  /**
   * Nodes (keys, values, list items) of one document, with YAML aliases expanded: a document of as
   * many takes about 300 ms to build, off the daemon's event loop.
   */
  nodes: 10_000,
  /** How deep mappings and lists may nest. */
  depth: 64,
  /** The request line and headers, in bytes (Node's own default, stated here). */
  headerBytes: 16 * 1024,
  /** One argument or environment entry (NAME=value) of a task: the kernel's MAX_ARG_STRLEN. */
  argBytes: 128 * 1024,
  /**
   * A task's arguments and environment together. The kernel allows a quarter of the stack limit
   * (2 MiB by default) for both; Flotilla allows an eighth of that: every task's definition is
   * stored, read and compared with it, and each instance of an app carries its own copy.
   */
  launchBytes: 256 * 1024,
  /** The arguments and environment of all of an app's instances together (each stores its copy). */
  ownerLaunchBytes: 16 * 1024 * 1024,
  /** One file uploaded into a tenant's data folder (`PUT /v1/data/{path}`), streamed to disk. */
  uploadBytes: 1024 * 1024 * 1024,
  /** Entries a data folder's listing shows (deeper or later ones are left out, and it says so). */
  listEntries: 2000,
} as const;

/** "1.2 MiB", "512 KiB", "900 bytes": sizes in messages. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${n} bytes`;
}
