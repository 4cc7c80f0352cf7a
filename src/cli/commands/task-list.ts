import type { Command } from 'commander';
import type { TaskView } from '../../core/api-schemas.js';
import { ALIVE_STATES } from '../../core/task.js';
import { context } from '../context.js';
import { TASK_ROW_FIELDS, printTasks } from '../format.js';

interface ListOptions {
  stack?: string;
  all?: boolean;
}

/** Without --all, tasks on their way out that have already stopped are left out, as `docker ps` does. */
export function visibleTasks<T extends Pick<TaskView, 'desired' | 'state'>>(tasks: T[], all: boolean): T[] {
  return all ? tasks : tasks.filter((t) => t.desired === 'running' || ALIVE_STATES.has(t.state));
}

/** Registers the listing as `name` on `parent`: both `flotilla ps` and `flotilla task list`. */
export function registerTaskList(parent: Command, name: string): void {
  parent
    .command(name)
    .description('list the tasks')
    .option('--stack <stack>', 'only the tasks of this stack')
    .option('--all', 'also the tasks that are stopped and being removed')
    .action(async (opts: ListOptions, cmd: Command) => {
      const ctx = context(cmd);
      const client = await ctx.client();
      const filter = opts.stack ? { stack: opts.stack } : {};
      // --json prints whole tasks; the table only its columns (and whether a task is wanted). The
      // two requests go together: the daemon answers them side by side.
      const [tasks, queue] = await Promise.all([
        ctx.json ? client.listTasks(filter) : client.listTaskFields([...TASK_ROW_FIELDS, 'desired'], filter),
        client.listWaiting(),
      ]);
      const waiting = queue.filter((w) => !opts.stack || w.stack === opts.stack);
      ctx.emit(visibleTasks(tasks, opts.all === true), (shown) => {
        printTasks(shown);
        // Declared but not admitted yet: without this line they would be invisible in ps.
        for (const w of waiting) console.log(`waiting: ${w.owner} (${w.reasonKind}): ${w.reason}`);
      });
    });
}
