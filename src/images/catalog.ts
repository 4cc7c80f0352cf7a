import { getPackage, listPackages, validateOptions } from '../catalog/registry.js';
import { isFlotillaError } from '../core/errors.js';
import { imageFor, type ImageRef } from './recipe.js';

/** A catalog package version and its image, or why it has none. */
export type CatalogImage =
  | { package: string; version: string; ref: ImageRef }
  | { package: string; version: string; unsupported: string };

/** `kafka@3.9.1` (or `kafka`: the default version) → its image with the default options. */
export function packageImage(spec: string, base?: string): ImageRef {
  const [name, version] = spec.split('@') as [string, string | undefined];
  const pkg = getPackage(name, version || undefined);
  return imageFor(pkg, validateOptions(pkg, {}), base ? { base } : {});
}

/** Every package version of the catalog with its default options: what `flotilla images build` makes. */
export function catalogImages(base?: string): CatalogImage[] {
  return listPackages().map(({ name, version }) => {
    try {
      return { package: name, version, ref: packageImage(`${name}@${version}`, base) };
    } catch (err) {
      if (isFlotillaError(err) && err.code === 'DRIVER_UNSUPPORTED') {
        return { package: name, version, unsupported: err.message };
      }
      throw err;
    }
  });
}
