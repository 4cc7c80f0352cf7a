import fastJson from 'fast-json-stringify';
import { TaskView } from '../core/api-schemas.js';
import type { Paths } from '../core/paths.js';
import type { TaskRecord } from '../core/task.js';
import { taskView } from '../daemon/views.js';

/**
 * Field lists whose JSON is kept per record (every field, `ps`'s, one more), the least recently asked
 * dropped first: no caller can make the daemon keep a copy of every task per list it invents.
 */
const KEPT_FIELD_LISTS = 3;

/** Whole bodies kept, by the caller's key (tenant, filters, fields, page), the least recently asked dropped first. */
const KEPT_BODIES = 4;

/**
 * `GET /v1/tasks`'s body from each task's JSON, made once per record: the store hands out the same
 * frozen record until the task's row is written again (`state/task-cache.ts`), so a list of 10,000
 * tasks is a concatenation, not 10,000 views built and serialised on every request.
 *
 * Each task's JSON is kept as UTF-8 bytes, and the body is one buffer copied from them: a 5 MB
 * string joined per request had to be measured and encoded again on its way out (a two-byte string
 * as soon as one message holds a character past Latin-1), and its copies weighed on the collector.
 */
export class TaskJson {
  private readonly json = new Map<string, WeakMap<TaskRecord, Buffer>>();
  /**
   * The last body made for each key, with the records it was made from. Asked again with the very
   * same records (the cache hands out one frozen record per row until the row is written), it is the
   * same bytes: sent again as they are, the answer allocates nothing. Copying 5 MB for each request
   * at 10,000 tasks fed the collector, and its full collections were the API's slowest answers.
   */
  private readonly bodies = new Map<string, { tasks: readonly TaskRecord[]; body: Buffer }>();

  /**
   * `serialize`: one TaskView's serializer, by default compiled here, at startup, with the validators
   * its unions need: left to the first request, compiling them held the daemon's loop for 100 ms.
   */
  constructor(
    private readonly paths: Paths,
    private readonly serialize: (view: TaskView) => string = fastJson(TaskView, { compileValidators: true }),
  ) {}

  /**
   * `fields`: only these of each task (their values are the view's, written by JSON.stringify).
   * `key`: names what `tasks` were chosen by (tenant, filters, page) for the body to be kept; any
   * other key, or a record that is not the very one the body was made from, makes it anew.
   */
  array(tasks: readonly TaskRecord[], fields?: readonly (keyof TaskView)[], key?: string): Buffer {
    if (key === undefined) return this.concat(tasks, fields);
    const bodyKey = `${key}\0${fields?.join(',') ?? ''}`;
    const kept = this.bodies.get(bodyKey);
    this.bodies.delete(bodyKey);
    const body = kept && sameRecords(kept.tasks, tasks) ? kept.body : this.concat(tasks, fields);
    if (this.bodies.size >= KEPT_BODIES) this.bodies.delete(this.bodies.keys().next().value!);
    // A copy: the caller's list may be the store's own, which a write changes in place.
    this.bodies.set(bodyKey, { tasks: kept?.body === body ? kept.tasks : tasks.slice(), body });
    return body;
  }

  private concat(tasks: readonly TaskRecord[], fields?: readonly (keyof TaskView)[]): Buffer {
    const key = fields?.join(',') ?? '';
    // The least recently asked list goes when another comes.
    const kept = this.json.get(key) ?? new WeakMap<TaskRecord, Buffer>();
    this.json.delete(key);
    if (this.json.size >= KEPT_FIELD_LISTS) this.json.delete(this.json.keys().next().value!);
    this.json.set(key, kept);
    const write = fields
      ? (t: TaskRecord) => {
          const view = taskView(this.paths, t);
          return JSON.stringify(Object.fromEntries(fields.filter((f) => f in view).map((f) => [f, view[f]])));
        }
      : (t: TaskRecord) => this.serialize(taskView(this.paths, t));
    const parts = new Array<Buffer>(tasks.length);
    let size = 2 + Math.max(0, tasks.length - 1);
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      let b = kept.get(t);
      if (b === undefined) {
        b = Buffer.from(write(t));
        kept.set(t, b);
      }
      parts[i] = b;
      size += b.length;
    }
    const body = Buffer.allocUnsafe(size);
    body[0] = 0x5b; // '['
    let at = 1;
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) body[at++] = 0x2c; // ','
      const start = at;
      at += parts[i]!.copy(body, at);
      // Each task's JSON is then read from the body, which is kept: not a second copy of every task.
      kept.set(tasks[i]!, body.subarray(start, at));
    }
    body[at] = 0x5d; // ']'
    return body;
  }
}

function sameRecords(a: readonly TaskRecord[], b: readonly TaskRecord[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
