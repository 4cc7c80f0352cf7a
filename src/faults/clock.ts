import fs from 'node:fs';

/**
 * Clock skew of a process task by libfaketime (Debian's `libfaketime`): the library is preloaded
 * into the task at its next start and shifts what the task reads of the wall clock by `offsetS`.
 * It reaches only what the dynamic linker preloads into: a statically linked program (most Go
 * binaries) and a container are not skewed. The monotonic clock is left alone (timers keep their
 * pace). A task that is running must be restarted for the skew to take hold, and again to lose it.
 */
const CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

/** The library's path, or null when it is not installed (scripts/setup.sh installs it). */
export function fakeTimeLibrary(): string | null {
  return CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

/**
 * The environment that skews a task's clock by `offsetS` seconds. The process driver preloads
 * FLOTILLA_PRELOAD into the task's own program only (drivers/process/spawn.ts): libfaketime in a
 * root wrapper before it would create shared memory the task's user cannot open.
 */
export function clockEnv(library: string, offsetS: number): Record<string, string> {
  return {
    FLOTILLA_PRELOAD: library,
    FAKETIME: `${offsetS >= 0 ? '+' : ''}${offsetS}`,
    DONT_FAKE_MONOTONIC: '1',
  };
}
