import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';

/**
 * A file a job names (its application, an extra jar), checked to lie inside the tenant's data folder
 * once symbolic links are followed: the driver and every executor read it at that same path, and a
 * tenant's jobs run only what the tenant put there. A relative path is taken from the data folder.
 * Returns the real path.
 */
export function resolveInDataFolder(
  dataDir: string,
  given: string,
  what: string,
  extensions: string[],
): string {
  const root = fs.realpathSync(dataDir);
  const wanted = path.resolve(dataDir, given);
  const inside = (p: string, base: string) => p.startsWith(base + path.sep);
  const outside = () =>
    new FlotillaError(
      'JOB_APP_OUTSIDE_DATA',
      `${what} ${given} is not in your data folder ${dataDir}: copy it there ` +
        `(cp ${given} ${dataDir}/) and submit ${path.join(dataDir, path.basename(given))}`,
    );
  if (!inside(wanted, dataDir) && !inside(wanted, root)) throw outside();
  let real: string;
  try {
    real = fs.realpathSync(wanted);
  } catch {
    throw new FlotillaError('JOB_APP_INVALID', `${what} ${wanted} does not exist`);
  }
  if (!inside(real, root)) {
    throw new FlotillaError(
      'JOB_APP_OUTSIDE_DATA',
      `${what} ${given} leads to ${real}, outside your data folder ${dataDir}: copy the file itself there`,
    );
  }
  if (!fs.statSync(real).isFile())
    throw new FlotillaError('JOB_APP_INVALID', `${what} ${wanted} is not a file`);
  const ext = path.extname(real).toLowerCase();
  if (!extensions.includes(ext)) {
    throw new FlotillaError(
      'JOB_APP_INVALID',
      `${what} ${wanted} must be a ${extensions.join(' or a ')} file`,
    );
  }
  return real;
}
