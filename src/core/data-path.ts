import { FlotillaError } from './errors.js';

/** Names of a data folder that are the daemon's: an upload's temporary file, ext4's own folder. */
export const UPLOAD_PREFIX = '.flotilla-upload-';
export const RESERVED_NAMES = ['lost+found'];

const MAX_SEGMENT = 255;
const MAX_PATH = 1024;

/**
 * A path a tenant names inside its data folder (`PUT /v1/data/{path}`), split into its segments:
 * relative, no `..` or `.`, no empty segment, no NUL or backslash, no control characters, within the
 * file system's name lengths, and not one of the daemon's own names. Pure: symbolic links on the way
 * are checked where the folder is (daemon/data-folders.ts).
 */
export function dataPathSegments(given: string): string[] {
  const bad = (why: string) =>
    new FlotillaError(
      'DATA_PATH_INVALID',
      `"${given.slice(0, 200)}" is not a path in your data folder: ${why}`,
    );
  if (given === '') throw bad('it is empty');
  if (given.length > MAX_PATH) throw bad(`it is longer than ${MAX_PATH} characters`);
  if (given.startsWith('/')) throw bad('it is absolute; give it relative to the data folder');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(given)) throw bad('it holds a control character');
  if (given.includes('\\')) throw bad('it holds a backslash; separate folders with "/"');
  const segments = given.split('/');
  for (const s of segments) {
    if (s === '') throw bad('it has an empty segment ("//" or a trailing "/")');
    if (s === '..' || s === '.') throw bad(`"${s}" is not allowed: name the file from the data folder down`);
    if (Buffer.byteLength(s) > MAX_SEGMENT) throw bad(`a name is longer than ${MAX_SEGMENT} bytes`);
  }
  if (RESERVED_NAMES.includes(segments[0]!) || segments.some((s) => s.startsWith(UPLOAD_PREFIX)))
    throw bad("that name is the daemon's own");
  return segments;
}
