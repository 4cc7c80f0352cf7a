import { readYaml } from './yaml-text.js';

/** A YAML mapping (a plain object), not a list or a scalar. */
export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Whether a document is a Compose file. Here in core because the CLI names a stack by it (a Compose
 * file's project is named after its folder) and the daemon parses by it.
 *
 * A Compose file rather than a Flotilla stack: top-level `services` whose entries run an image, a
 * build or extend another service, and name no package (a Flotilla stack names packages, and keeps
 * its apps under `apps`); or a file that includes others.
 */
export function isComposeFile(doc: unknown): boolean {
  if (isMapping(doc) && !('apps' in doc) && Array.isArray(doc.include)) return true;
  if (!isMapping(doc) || 'apps' in doc || !isMapping(doc.services)) return false;
  const entries = Object.values(doc.services);
  if (entries.length === 0 || entries.some((e) => isMapping(e) && 'package' in e)) return false;
  const runs = entries.some((e) => isMapping(e) && ('image' in e || 'build' in e || 'extends' in e));
  const composeVersion = typeof doc.version === 'string' && /^\d+(\.\d+)*$/.test(doc.version);
  return runs || composeVersion;
}

/** isComposeFile on YAML text; text that is not YAML is not Compose (the stack parser reports it). */
export function isComposeSource(source: string): boolean {
  try {
    return isComposeFile(readYaml(source, { what: 'the file', code: 'STACK_INVALID' }));
  } catch {
    return false;
  }
}
