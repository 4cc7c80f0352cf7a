import { appsOf, type Declaration } from '../core/declaration.js';
import type { PullEvent } from '../core/streams.js';
import type { RegistryAuth } from '../core/request-schemas.js';
import type { PullPolicy } from '../core/task.js';

/** How a request pulls: its layers followed (`onEvent`), with the caller's own credentials. */
export interface PullRequest {
  onEvent?: ((e: PullEvent) => void) | undefined;
  credentials?: RegistryAuth | undefined;
}

/** Pulls an image as a policy says (the daemon's TaskImages.ensurePulled). */
export type ImagePuller = (image: string, policy: PullPolicy, request?: PullRequest) => Promise<void>;

/** `up --pull`: the policy of every container without a build, over its pull_policy. */
export function overridePullPolicy(declarations: Declaration[], pull: PullPolicy | undefined): void {
  if (!pull) return;
  for (const app of appsOf(declarations))
    if (app.container && !app.container.build) app.container.pullPolicy = pull;
}

/**
 * Pulls a stack's images before it is applied, as `docker compose up` does: a registry's refusal is
 * the call's coded error, nothing is stored, and an image's own HEALTHCHECK can be read at planning.
 * Each image once, `always` winning over `missing` when services disagree.
 */
export async function pullStackImages(
  declarations: Declaration[],
  puller: ImagePuller,
  request: PullRequest = {},
): Promise<void> {
  const wanted = new Map<string, PullPolicy>();
  for (const a of appsOf(declarations)) {
    const policy = a.container?.pullPolicy ?? 'missing';
    if (!a.container || a.container.build || (policy !== 'missing' && policy !== 'always')) continue;
    if (wanted.get(a.container.image) !== 'always') wanted.set(a.container.image, policy);
  }
  await Promise.all([...wanted].map(([image, policy]) => puller(image, policy, request)));
}
