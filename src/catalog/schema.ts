/** JSON Schema pieces the packages' options share. */

/** A TCP port option: 0 (the usual default) lets Flotilla assign a free one. */
export function portOption(description: string, fallback = 0): Record<string, unknown> {
  return { type: 'integer', minimum: 0, maximum: 65535, default: fallback, description };
}
