/**
 * The bytes of one HTTP exchange, so the typed client runs where there is no `node:http`: the CLI's
 * wire is node's http module (node-wire.ts), the web console's is the browser's fetch (fetch-wire.ts).
 * Everything above it — paths, bodies, coded errors, event framing — is the same code.
 */
export interface WireResponse {
  status: number;
  contentType: string;
  text: string;
}

/** A request's body: JSON text, or a file's bytes (an upload; a browser's File is a Blob). */
export type WireBody = string | Uint8Array | Blob;

export interface Wire {
  /** One request whose answer is read whole. Rejects only when no answer came (the daemon is away). */
  send(method: string, url: URL, headers: Record<string, string>, body?: WireBody): Promise<WireResponse>;
  /**
   * A request whose 2xx answer goes to `onChunk` as it comes; resolves when it ends (or `signal`
   * aborts). An error status is read whole and resolved as the response, for the caller to decode.
   */
  open(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    onChunk: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<WireResponse | null>;
}
