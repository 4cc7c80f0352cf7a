import type { ComposeConfigView, ComposeOptions as ComposeRequest } from '../core/request-schemas.js';
import { composeConfig } from '../specs/compose-config.js';
import type { PullPolicy } from '../core/task.js';
import { isComposeFile } from '../core/compose-format.js';
import { parseComposeDocument } from '../specs/compose.js';
import type { ParsePool } from '../specs/parse-pool.js';
import { parseStackDocument, type StackSpec } from '../specs/stack.js';
import { FlotillaError } from '../core/errors.js';
import type { Intent } from '../deploy/deployer.js';
import { overridePullPolicy } from './stack-pull.js';

/** What a request sends besides a Compose file's text, and the folder a tenant's host paths must stay in. */
export type ComposeInput = ComposeRequest & { allowedRoot?: string; publishIp?: string | undefined };

/** Reads a stack file's text once (off the loop), then as a Compose file or a Flotilla stack. */
export async function readStack(
  parser: ParsePool,
  source: string,
  name: string | undefined,
  options: ComposeInput & { pull?: PullPolicy },
): Promise<{ stack: string; intent: Intent; warnings: string[] | undefined }> {
  const { pull, overrides, ...compose } = options;
  const data = await parser.read(source);
  const overrideData = await Promise.all((overrides ?? []).map((o) => parser.read(o)));
  const spec: StackSpec = isComposeFile(data)
    ? parseComposeDocument(data, { ...compose, overrideData, name })
    : parseStackDocument(data, name, compose.variables);
  // `up --pull`: the policy of every container without a build, over its pull_policy.
  overridePullPolicy(spec.declarations, pull);
  if (name && spec.name !== name) {
    throw new FlotillaError(
      'STACK_INVALID',
      `stack.name: the file names "${spec.name}" but the request names "${name}"`,
    );
  }
  return {
    stack: spec.name,
    intent: {
      declarations: spec.declarations,
      prune: true,
      createOnly: false,
      source,
      ...(spec.startOrder ? { startOrder: spec.startOrder } : {}),
    },
    warnings: spec.warnings,
  };
}

/** A Compose file's normalised model, as `docker compose config` prints it. */
export async function readComposeConfig(
  parser: ParsePool,
  source: string,
  name: string,
  compose: ComposeInput,
): Promise<ComposeConfigView> {
  const data = await parser.read(source);
  if (!isComposeFile(data))
    throw new FlotillaError(
      'STACK_INVALID',
      'the file is not a Compose file: its services run no image or build',
    );
  const { overrides, ...rest } = compose;
  const overrideData = await Promise.all((overrides ?? []).map((o) => parser.read(o)));
  const out = composeConfig(data, { ...rest, overrideData, name });
  if (out.name !== name)
    throw new FlotillaError(
      'STACK_INVALID',
      `name: the file names "${out.name}" but the request names "${name}"`,
    );
  return { name: out.name, yaml: out.yaml, warnings: out.warnings };
}

export function withWarnings<T extends object>(result: T, warnings: string[] | undefined): T {
  return warnings && warnings.length > 0 ? { ...result, warnings } : result;
}
