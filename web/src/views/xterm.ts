import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';

/** The part of xterm.js the terminal page uses; loaded on demand, so the first load carries none of it. */
export interface MountedTerminal {
  term: Terminal;
  /** Fits the terminal to its box (on a window resize). */
  fit(): void;
}

export function mountTerminal(host: HTMLElement): MountedTerminal {
  const term = new Terminal({
    cursorBlink: true,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
    fontSize: 14,
    scrollback: 5000,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(host);
  fit.fit();
  return { term, fit: () => fit.fit() };
}
