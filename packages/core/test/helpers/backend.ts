import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Chat, ChatSnapshot } from '@baton-chat/core';
import type { HistoryResponse } from '@baton-chat/protocol';

export interface RunningBackend {
  url: string;
  close(): Promise<void>;
}

/** Starts the example backend in-process on 127.0.0.1, port 0 (no send rate limit, fast words). */
export async function startExampleBackend(options: Record<string, unknown> = {}): Promise<RunningBackend> {
  const mod = (await import(
    new URL('../../../../examples/custom-backend/dist/server.js', import.meta.url).href
  )) as {
    startBackend(o: Record<string, unknown>): Promise<RunningBackend>;
  };
  return mod.startBackend({ port: 0, wordDelayMs: 5, sendsPerMinute: 0, ...options });
}

/** Resolves when `predicate(snapshot)` holds, checking after every change; rejects after `ms`. */
export function waitFor(
  chat: Chat,
  predicate: (s: ChatSnapshot) => boolean,
  ms = 5000,
  what = 'condition',
): Promise<ChatSnapshot> {
  return new Promise((resolve, reject) => {
    if (predicate(chat.getSnapshot())) return resolve(chat.getSnapshot());
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(
          `timed out waiting for ${what}; snapshot: ${JSON.stringify(chat.getSnapshot()).slice(0, 1500)}`,
        ),
      );
    }, ms);
    const off = chat.subscribe(() => {
      if (predicate(chat.getSnapshot())) {
        clearTimeout(timer);
        off();
        resolve(chat.getSnapshot());
      }
    });
  });
}

/** The server's full history of a conversation. */
export async function serverHistory(url: string, id: string, token: string): Promise<HistoryResponse> {
  const res = await fetch(`${url}/v1/conversations/${id}/messages?limit=200`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()) as HistoryResponse;
}

export const transcript = (s: ChatSnapshot) =>
  s.messages.map((m) => ({
    id: m.id,
    role: m.role,
    text: m.text,
    status: m.status === 'sent' ? 'complete' : m.status,
  }));

export const serverTranscript = (h: HistoryResponse) =>
  h.messages.map((m) => ({ id: m.id, role: m.role, text: m.text, status: m.status }));

/** A programmable HTTP proxy in front of `target`. */
export interface Proxy {
  url: string;
  /** Requests seen, by path. */
  requests: { method: string; path: string; at: number }[];
  /**
   * Decides per request: pass through (undefined), answer with a status, cut the body after N bytes, or
   * drop the connection unanswered (`drop`: the server is down, as far as the client can tell).
   */
  rule: (
    req: IncomingMessage,
  ) =>
    | { status: number; headers?: Record<string, string>; body?: string }
    | { cutAfter: number }
    | { drop: true }
    | undefined;
  /** Cuts every open connection (streams included) at once. */
  cutAll(): void;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<Proxy> {
  const upstream = new URL(target);
  const proxy: Proxy = {
    url: '',
    requests: [],
    rule: () => undefined,
    cutAll: () => server.closeAllConnections(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    proxy.requests.push({ method: req.method ?? '', path: req.url ?? '', at: Date.now() });
    const decision = proxy.rule(req);
    if (decision && 'drop' in decision) {
      req.socket.destroy();
      return;
    }
    if (decision && 'status' in decision) {
      res.writeHead(decision.status, decision.headers ?? {}).end(decision.body ?? '');
      req.resume();
      return;
    }
    const up = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (!decision) {
          upRes.pipe(res);
          return;
        }
        let left = decision.cutAfter;
        const cut = () => {
          upRes.destroy();
          res.destroy();
        };
        if (left === 0) {
          res.flushHeaders();
          setTimeout(cut, 5);
          return;
        }
        upRes.on('data', (chunk: Buffer) => {
          if (left <= 0) return;
          const part = chunk.subarray(0, left);
          left -= part.length;
          res.write(part);
          if (left <= 0) setTimeout(cut, 5);
        });
        upRes.on('end', () => res.end());
      },
    );
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
