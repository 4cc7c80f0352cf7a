import type { ErrorBody } from './errors.js';
import type { DeployResultView } from './api-schemas.js';

/**
 * The API's streamed answers: newline-delimited JSON progress and server-sent events. JSON Schema
 * does not describe a stream, so these are plain types, shared by the routes that write the lines
 * and the client that reads them.
 */

/** One line of `POST /v1/artifacts/fetch`'s answer. */
export interface ArtifactFetchLine {
  type: 'start' | 'progress' | 'done' | 'error';
  /** start: the package and version whose lock is fetched. */
  package?: string;
  version?: string;
  /** start and done: how many artifacts and bytes the lock pins. */
  artifacts?: number;
  bytes?: number;
  /** progress: the artifact just verified, how many are done of how many, and whether it was cached. */
  artifact?: string;
  done?: number;
  of?: number;
  fromCache?: boolean;
  /** done: how many were downloaded now, and the cache they are in. */
  downloaded?: number;
  cache?: string;
  error?: ErrorBody;
}

/** One line of `POST /v1/images/build`'s answer. */
export interface ImageBuildLine {
  type: 'start' | 'progress' | 'image' | 'done' | 'error';
  /** start: the base, the images to make, and the packages that have none (with why). */
  base?: string;
  images?: { package: string; version: string; image: string }[];
  skipped?: { package: string; version: string; reason: string }[];
  /** progress and image: which image; progress: one line of its build output. */
  image?: string;
  line?: string;
  /** image: its package (unset for the base), whether it was built now, and how long that took. */
  package?: string;
  version?: string;
  built?: boolean;
  seconds?: number;
  /** done: the images built now, and those that were there already. */
  builtImages?: string[];
  presentImages?: string[];
  error?: ErrorBody;
}

/** One step of an image pull: a layer's status, with its bytes so far while it downloads or extracts. */
export interface PullEvent {
  image: string;
  /** The layer (short ID); unset for the image's own lines (`Pulling from …`, `Digest: …`). */
  layer?: string;
  status: string;
  current?: number;
  total?: number;
}

/** One pull event as a line of text: `a1b2c3: Downloading 12.0/40.5 MB`. */
export function pullLine(e: PullEvent): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const bytes = e.current !== undefined ? ` ${mb(e.current)}${e.total ? `/${mb(e.total)}` : ''} MB` : '';
  return `${e.layer ? `${e.layer}: ` : ''}${e.status}${bytes}`;
}

/**
 * One line of `PUT /v1/stacks/{name}?progress=true` (newline-delimited JSON): each image pull's layer
 * progress as it happens (`progress`, as the image pull's), then `done` with the deploy's result, or
 * `error`.
 */
export interface StackApplyLine extends Partial<PullEvent> {
  type: 'progress' | 'done' | 'error';
  result?: DeployResultView;
  error?: ErrorBody;
}

/** One line of `POST /v1/images/pull` (newline-delimited JSON). */
export interface ImagePullLine {
  type: 'start' | 'progress' | 'image' | 'done' | 'error';
  /** start: the images asked for. */
  images?: string[];
  /** progress and image: which image; progress: a layer's status and bytes (see images/pull.ts). */
  image?: string;
  layer?: string;
  status?: string;
  current?: number;
  total?: number;
  /** image: whether it was pulled now (false: present, under policy `missing`), its registry, size and time. */
  pulled?: boolean;
  registry?: string;
  layers?: number;
  bytes?: number;
  seconds?: number;
  /** done: the images pulled now, and those that were there already. */
  pulledImages?: string[];
  presentImages?: string[];
  error?: ErrorBody;
}

/** One event of `GET /v1/events` (text/event-stream), as a reader decodes its frame. */
export interface FlotillaEvent {
  /** The event's sequence number: pass it as `since` to resume after it. */
  id: number;
  type: string;
  data: Record<string, unknown>;
}
