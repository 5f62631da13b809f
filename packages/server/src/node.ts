import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createBatonServer, type BatonServer, type BatonServerOptions } from './app.js';

/** Settings of {@link startServer}: the server's settings plus where to listen. */
export interface StartServerOptions extends BatonServerOptions {
  /** TCP port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
}

/** A server listening on Node's HTTP. */
export interface RunningServer {
  /** Base URL clients use (the part before `/v1`), such as `http://127.0.0.1:8787`. */
  url: string;
  /** The port it listens on (useful with port 0). */
  port: number;
  /** The server behind the listener. */
  server: BatonServer;
  /** Stops accepting requests, ends streams and turns, closes the store. */
  close(): Promise<void>;
}

/**
 * Creates the Baton server and serves it on Node's HTTP with `@hono/node-server`. Responses are not
 * compressed, and each event of a stream is written to the socket as soon as it is produced.
 *
 * @example
 * const { url, close } = await startServer({ port: 0, dataDir: 'memory://' });
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const server = await createBatonServer(options);
  const host = options.host ?? '127.0.0.1';
  let httpServer: ReturnType<typeof serve>;
  try {
    httpServer = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: server.fetch, port: options.port ?? 8787, hostname: host }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (error) {
    await server.close();
    throw error;
  }
  httpServer.on('connection', (socket) => socket.setNoDelay(true));
  const { port } = httpServer.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    server,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await server.close();
        const http = httpServer as unknown as {
          closeIdleConnections?: () => void;
          closeAllConnections?: () => void;
        };
        http.closeIdleConnections?.();
        const force = setTimeout(() => http.closeAllConnections?.(), 1000);
        await stopped;
        clearTimeout(force);
      })();
      return closing;
    },
  };
}
