import type { DoctorView, HealthView, ImageView } from '../core/api-schemas.js';
import type { ArtifactFetchBody, ImageBuildBody, ShutdownBody } from '../core/request-schemas.js';
import type { ArtifactFetchLine, FlotillaEvent, ImageBuildLine } from '../core/streams.js';
import { query, Transport } from './transport.js';

/** The daemon and the machine it runs on: health, shutdown, doctor, artifacts, images, the event stream. */
export class DaemonCalls extends Transport {
  health(): Promise<HealthView> {
    return this.request('GET', '/v1/health');
  }

  shutdown(stopTasks = false): Promise<{ stopping: boolean }> {
    const body: ShutdownBody = { stopTasks };
    return this.request('POST', '/v1/daemon/shutdown', body);
  }

  /** Checks this machine for what the catalog's packages need. */
  /** What this machine lacks for the catalog; with `security`, how tenants are kept apart. */
  doctor(opts: { security?: boolean } = {}): Promise<DoctorView> {
    return this.request('GET', `/v1/doctor${opts.security ? '?security=true' : ''}`);
  }

  /** Pre-fetches a package's JVM artifacts; `onLine` sees every progress line; rejects on a coded error. */
  fetchArtifacts(
    pkg: string,
    version: string | undefined,
    onLine: (line: ArtifactFetchLine) => void,
  ): Promise<ArtifactFetchLine> {
    const body: ArtifactFetchBody = { package: pkg, ...(version ? { version } : {}) };
    return this.progress('/v1/artifacts/fetch', body, onLine, 'the artifact fetch');
  }

  /**
   * Builds the Docker driver's runtime images that are missing: the base, then each package's
   * (`redis`, `kafka@3.9.1`; none: the whole catalog). `onLine` sees every line; rejects on a coded error.
   */
  buildImages(body: ImageBuildBody, onLine: (line: ImageBuildLine) => void): Promise<ImageBuildLine> {
    return this.progress('/v1/images/build', body, onLine, 'the image build');
  }

  listImages(): Promise<ImageView[]> {
    return this.request('GET', '/v1/images');
  }

  /**
   * Subscribes to the event stream (server-sent events). `onOpen` is called once the daemon has
   * subscribed this stream (its first bytes came): every event from then on will arrive.
   */
  events(
    onEvent: (e: FlotillaEvent) => void,
    signal?: AbortSignal,
    since?: number,
    onOpen?: () => void,
  ): Promise<void> {
    let buffer = '';
    let open = false;
    return this.stream(
      `/v1/events${query({ since })}`,
      (chunk) => {
        if (!open) {
          open = true;
          onOpen?.();
        }
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = decodeEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event) onEvent(event);
        }
      },
      signal,
    );
  }
}

/** One server-sent event frame; comments (the heartbeat) and frames without data are none. */
function decodeEvent(frame: string): FlotillaEvent | undefined {
  const fields = Object.fromEntries(
    frame
      .split('\n')
      .filter((l) => !l.startsWith(':') && l.includes(': '))
      .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
  );
  if (!fields.data) return undefined;
  return { id: Number(fields.id), type: fields.event ?? 'message', data: JSON.parse(fields.data) };
}
