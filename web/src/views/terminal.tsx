import { useEffect, useRef, useState } from 'preact/hooks';
import type { TaskView } from '../../../src/core/api-schemas.js';
import { ErrorBox, useApp } from '../ui.js';
import type { MountedTerminal } from './xterm.js';

type Phase = 'connecting' | 'open' | 'exited' | 'closed';

/**
 * A shell in a task (Portainer's console, Lens's exec): a ticket from the API, a WebSocket with the
 * ticket as its subprotocol, xterm.js drawing what the PTY writes. Keystrokes go as binary frames,
 * the size as a JSON frame whenever the page resizes; the shell's exit is shown, and leaving the
 * page closes the socket, which ends the shell.
 */
export function TerminalPage({ task }: { task: string }) {
  const { session } = useApp();
  const host = useRef<HTMLDivElement>(null);
  const [phase, setPhase] = useState<Phase>('connecting');
  const [exitCode, setExitCode] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();
  const [view, setView] = useState<TaskView>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    session.client.getTask(task).then(setView, () => undefined);
  }, [task]);

  useEffect(() => {
    setPhase('connecting');
    setError(undefined);
    let gone = false;
    let stop = (): void => undefined;
    import('./xterm.js').then(
      ({ mountTerminal }) => {
        if (!gone) stop = connect(mountTerminal(host.current!));
      },
      (err) => setError(err),
    );
    /** Opens the socket for the mounted terminal; returns what closes both. */
    const connect = ({ term, fit }: MountedTerminal): (() => void) => {
      let ws: WebSocket | null = null;
      let closed = false;
      const encoder = new TextEncoder();
      const sendSize = (): void => {
        if (ws?.readyState === WebSocket.OPEN)
          ws.send(JSON.stringify({ type: 'resize', cols: term.cols, rows: term.rows }));
      };
      const input = term.onData((d) => {
        if (ws?.readyState === WebSocket.OPEN) ws.send(encoder.encode(d));
      });
      const resized = term.onResize(sendSize);
      addEventListener('resize', fit);
      session.client.terminalTicket(task).then(
        (ticket) => {
          if (closed) return;
          ws = new WebSocket(session.client.terminalUrl(ticket), [ticket.protocol, ticket.ticket]);
          ws.binaryType = 'arraybuffer';
          ws.onopen = () => {
            setPhase('open');
            sendSize();
            term.focus();
          };
          ws.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
            if (typeof e.data !== 'string') return term.write(new Uint8Array(e.data));
            const msg = JSON.parse(e.data) as { type: string; exitCode?: number | null };
            if (msg.type === 'exit') {
              setExitCode(msg.exitCode ?? null);
              setPhase('exited');
            } else if (msg.type === 'error') setError(msg);
          };
          ws.onclose = () => setPhase((p) => (p === 'exited' ? p : 'closed'));
        },
        (err) => {
          setError(err);
          setPhase('closed');
        },
      );
      return () => {
        closed = true;
        removeEventListener('resize', fit);
        input.dispose();
        resized.dispose();
        ws?.close();
        term.dispose();
      };
    };
    return () => {
      gone = true;
      stop();
    };
  }, [task, attempt]);

  const status =
    phase === 'connecting'
      ? 'Connecting…'
      : phase === 'open'
        ? `Connected: a shell in ${task}${view ? ` (${view.driver} driver, ${view.node})` : ''}. Closing this page ends it.`
        : phase === 'exited'
          ? `The shell exited${exitCode === null ? '' : ` with status ${exitCode}`}.`
          : 'Disconnected.';
  return (
    <section aria-labelledby="term-title" class="terminal-page">
      <p>
        <a href={view ? `#/services/${encodeURIComponent(view.owner)}/${view.ownerKind}` : '#/services'}>
          ← {view?.owner ?? 'Services'}
        </a>
      </p>
      <div class="toolbar">
        <h1 id="term-title">Terminal: {task}</h1>
        <span role="status" data-testid="terminal-status" class={phase === 'open' ? 'ok' : 'muted'}>
          {status}
        </span>
        {(phase === 'exited' || phase === 'closed') && (
          <button type="button" class="small" onClick={() => setAttempt((n) => n + 1)}>
            Reconnect
          </button>
        )}
      </div>
      <ErrorBox error={error} />
      <div class="term-host" ref={host} aria-label={`Terminal of ${task}`} />
    </section>
  );
}
