import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { UPLOAD_PREFIX } from '../core/data-path.js';
import { FlotillaError } from '../core/errors.js';
import type { TaskUser } from '../core/identity.js';
import { LIMITS, formatBytes } from '../core/limits.js';
import { asUser } from '../drivers/process/identity.js';

/**
 * Writes into `folder` (made if missing) a temporary file, then renames it to `name` — as the tenant's
 * user, so the kernel, not a check of ours, keeps the write where that user may write. A write that
 * fails (the folder is full) leaves no partial file, and a file of the same name as it was. The
 * paths come as arguments: no user input is ever part of the script's text.
 */
const SCRIPT =
  'set -C; mkdir -p -- "$1" && cd -- "$1" || exit 3; ' +
  'if cat > "$2"; then mv -f -T -- "$2" "$3"; else s=$?; rm -f -- "$2"; exit $s; fi';

export async function writeAsUser(
  folder: string,
  name: string,
  body: Readable,
  user: TaskUser | undefined,
): Promise<number> {
  if (!(body instanceof Readable)) throw new FlotillaError('INTERNAL', 'an upload without a body stream');
  const tmp = `${UPLOAD_PREFIX}${randomBytes(6).toString('hex')}`;
  const argv = ['/bin/sh', '-c', SCRIPT, 'sh', folder, tmp, name];
  const [cmd, ...args] = user ? asUser(user, argv) : argv;
  const child = spawn(cmd!, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > LIMITS.uploadBytes)
        return done(
          new FlotillaError(
            'PAYLOAD_TOO_LARGE',
            `an upload may be at most ${formatBytes(LIMITS.uploadBytes)}: put larger inputs there from a task or a job`,
          ),
        );
      done(null, chunk);
    },
  });
  let failure: unknown;
  await new Promise<void>((resolve) => {
    const stop = (err: unknown) => {
      failure ??= err;
      // The write must not be completed with what came: the writer is stopped before it renames.
      child.kill('SIGKILL');
      // The rest of the body is read and dropped, so the client gets the answer, not a reset.
      body.unpipe(counter);
      body.resume();
      resolve();
    };
    body.on('error', stop);
    counter.on('error', stop);
    child.stdin.on('error', stop);
    child.stdin.on('finish', () => resolve());
    body.pipe(counter).pipe(child.stdin);
  });
  const code = await exited;
  if (failure !== undefined || code !== 0)
    // What a killed writer left behind (its temporary file); never the file of that name.
    await fs.promises.rm(path.join(folder, tmp), { force: true }).catch(() => undefined);
  if (failure instanceof FlotillaError) throw failure;
  if (/No space left|Disk quota exceeded/.test(stderr))
    throw new FlotillaError(
      'DATA_QUOTA_EXCEEDED',
      `the data folder is full after ${formatBytes(bytes)} of ${name}: nothing was written, remove files or give it a larger size`,
    );
  if (failure !== undefined)
    throw new FlotillaError('VALIDATION_FAILED', `the upload of ${name} ended early: ${String(failure)}`);
  if (code !== 0)
    throw new FlotillaError(
      'DATA_PATH_INVALID',
      `${name} could not be written in ${folder} (exit ${code}): ${stderr.trim().slice(0, 300)}`,
    );
  return bytes;
}
