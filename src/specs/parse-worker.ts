import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { isFlotillaError } from '../core/errors.js';
import { readYaml } from '../core/yaml-text.js';

/** The YAML reader off the daemon's event loop: text in, data or a coded error out (see parse-pool.ts). */

// This thread only (on Linux a priority is a thread's): reading a large text yields the CPU to the
// event loop that answers every other request, and to the tasks.
try {
  os.setPriority(4);
} catch {
  // not permitted here: reading still happens off the loop
}
parentPort?.on('message', ({ id, text }: { id: number; text: string }) => {
  try {
    parentPort!.postMessage({ id, data: readYaml(text, { what: 'the file', code: 'STACK_INVALID' }) });
  } catch (err) {
    parentPort!.postMessage({
      id,
      error: isFlotillaError(err)
        ? err.toJSON()
        : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) },
    });
  }
});
