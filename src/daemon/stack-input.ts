import type { ComposeOptions } from '../specs/compose.js';
import { isComposeFile, parseComposeDocument } from '../specs/compose.js';
import type { ParsePool } from '../specs/parse-pool.js';
import { parseStackDocument, type StackSpec } from '../specs/stack.js';
import { FlotillaError } from '../core/errors.js';
import type { Intent } from '../deploy/deployer.js';

/** Reads a stack file's text once (off the loop), then as a Compose file or a Flotilla stack. */
export async function readStack(
  parser: ParsePool,
  source: string,
  name: string | undefined,
  compose: Omit<ComposeOptions, 'name'>,
): Promise<{ stack: string; intent: Intent; warnings: string[] | undefined }> {
  const data = await parser.read(source);
  const spec: StackSpec = isComposeFile(data)
    ? parseComposeDocument(data, { ...compose, name })
    : parseStackDocument(data, name, compose.variables);
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

export function withWarnings<T extends object>(result: T, warnings: string[] | undefined): T {
  return warnings && warnings.length > 0 ? { ...result, warnings } : result;
}
