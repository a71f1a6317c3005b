import { isUtf8 } from 'node:buffer';
import { type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { readRequest } from './read-request.js';

/**
 * The direct lane answers the app API's hottest route (`POST /v1/validate`) from the socket, without node:http's
 * request and response objects or the framework's pipeline, which cost more than the validation itself. It takes
 * every connection first and answers the plain requests it reads whole (`read-request.ts`); at the first request it
 * does not take, or whose body the route's own parser or schema refuses, it hands the connection, from that
 * request's first byte on, to node:http for good. So every refusal, every other route and every unusual framing is
 * answered by the framework exactly as before, and the lane only repeats, for valid requests, what the route does.
 */

/** Who asked: what a direct route's answer may depend on beside the body. */
export interface DirectClient {
  /** The client's address as the framework's `request.ip` gives it (the proxy's forwarded one with `TRUST_PROXY`). */
  readonly ip: string;
  header(name: string): string | undefined;
}

export interface DirectAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What a route registers to be served directly: the same function answers its framework handler. */
// biome-ignore lint/suspicious/noExplicitAny: the body has passed the route's schema, which types it there
export type DirectHandler = (body: any, client: DirectClient) => Promise<DirectAnswer>;

export interface DirectRoute {
  readonly method: 'POST';
  readonly url: string;
  /** The route's compiled body schema, as the framework checks it. */
  readonly validate: (body: unknown) => boolean;
  readonly answer: DirectHandler;
}

export interface DirectLaneOptions {
  readonly bodyLimit: number;
  /** The framework's JSON parser (prototype poisoning refused): undefined where it would refuse the text. */
  readonly parseJson: (text: string) => unknown;
  /** What else makes the framework refuse a body that passed its schema (the NUL check). */
  readonly bodyProblem: (body: unknown) => unknown;
  /** The headers the framework's hooks put first on these routes' answers. */
  readonly headers: Readonly<Record<string, string>>;
  readonly clientAddress: (socketAddress: string, forwardedFor: string | undefined) => string;
  /** The answer for an error the route threw, as the framework's error handler gives it. */
  readonly answerError: (error: unknown) => DirectAnswer;
  /** Counts an answer as the framework's response hook does. */
  readonly answered: (route: DirectRoute, status: number, seconds: number) => void;
  /** Counts a connection handed on to node:http. */
  readonly handedOn: () => void;
}

export interface DirectLane {
  /** Ends idle connections and lets answers in hand finish (then closes their connections); hands on new ones. */
  close(): void;
}

type ConnectionListener = (this: Server, socket: Socket) => void;

/** Bytes a busy connection may hold unread (a client that pipelines) before it is paused. */
const MAX_PENDING_BYTES = 64 * 1024;
const EMPTY: Buffer = Buffer.alloc(0);

/** Serves `routes` on `server`'s connections first. */
export function installDirectLane(
  server: Server,
  routes: readonly DirectRoute[],
  options: DirectLaneOptions,
): DirectLane {
  // node:http parses a connection in its one `connection` listener; the lane calls it when it hands one on.
  const listeners = server.listeners('connection') as ConnectionListener[];
  if (listeners.length !== 1) throw new Error('the direct lane expects node:http’s one connection listener');
  const [httpConnection] = listeners as [ConnectionListener];
  server.removeListener('connection', httpConnection);
  const lines = routes.map((route) => ({
    route,
    line: Buffer.from(`${route.method} ${route.url} HTTP/1.1\r\n`),
  }));
  const connections = new Set<DirectConnection>();
  let closing = false;
  const date = utcDate();

  class DirectConnection {
    private pending: Buffer = EMPTY;
    /** An answer is being made, or written to a client that has not read the ones before. */
    private busy = false;
    private draining = false;
    private ended = false;

    constructor(private readonly socket: Socket) {
      socket.setTimeout(server.keepAliveTimeout);
      socket.on('timeout', this.onTimeout);
      socket.on('data', this.onData);
      socket.on('end', this.onEnd);
      socket.on('error', this.onError);
      socket.on('close', this.onClose);
    }

    private readonly onData = (chunk: Buffer) => {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      if (!this.busy) this.serveNext();
      else if (this.pending.length > MAX_PENDING_BYTES) this.socket.pause();
    };

    private readonly onEnd = () => {
      this.ended = true;
      if (!this.busy) this.socket.end();
    };

    // Idle, or not reading its answers, for the keep-alive timeout.
    private readonly onTimeout = () => {
      if (!this.busy || this.draining) this.socket.destroy();
    };

    private readonly onError = () => this.socket.destroy();
    private readonly onClose = () => connections.delete(this);

    /** Answers the request at the front of what has arrived, or hands the connection on from it. */
    private serveNext(): void {
      if (this.pending.length === 0) {
        if (this.ended || closing) this.socket.end();
        return;
      }
      const taken = closing ? undefined : this.takeRequest();
      if (!taken) {
        this.handOn();
        return;
      }
      const { route, read, body } = taken;
      this.pending = read.length === this.pending.length ? EMPTY : this.pending.subarray(read.length);
      this.busy = true;
      const started = performance.now();
      const client = {
        ip: options.clientAddress(this.socket.remoteAddress ?? '', read.headers.get('x-forwarded-for')),
        header: (name: string) => read.headers.get(name),
      };
      route
        .answer(body, client)
        .catch(options.answerError)
        .then((answer) => this.send(route, answer, started));
    }

    /** The request at the front, with its body as the route's framework handler would get it, if it is the lane's. */
    private takeRequest() {
      for (const { route, line } of lines) {
        const read = readRequest(this.pending, line, options.bodyLimit);
        if (!read) continue;
        const body = isUtf8(read.body) ? options.parseJson(read.body.toString('utf8')) : undefined;
        const refused =
          body === undefined || !route.validate(body) || options.bodyProblem(body) !== undefined;
        return refused ? undefined : { route, read, body };
      }
      return undefined;
    }

    private send(route: DirectRoute, answer: DirectAnswer, started: number): void {
      if (this.socket.destroyed) return;
      let head = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n`;
      for (const name in options.headers) head += `${name}: ${options.headers[name]}\r\n`;
      for (const name in answer.headers) head += `${name}: ${answer.headers[name]}\r\n`;
      const lastAnswer = closing || this.ended;
      head +=
        `content-length: ${Buffer.byteLength(answer.body)}\r\nDate: ${date()}\r\n` +
        (lastAnswer
          ? 'Connection: close\r\n\r\n'
          : `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(server.keepAliveTimeout / 1000)}\r\n\r\n`);
      const flushed = this.socket.write(head + answer.body);
      options.answered(route, answer.status, (performance.now() - started) / 1000);
      if (lastAnswer) {
        this.socket.end();
        return;
      }
      // A client that asks faster than it reads is read no further until it has read (as node:http does).
      if (!flushed) {
        this.draining = true;
        this.socket.pause();
        this.socket.once('drain', this.onDrain);
        return;
      }
      this.next();
    }

    private readonly onDrain = () => {
      this.draining = false;
      this.next();
    };

    private next(): void {
      this.busy = false;
      if (this.socket.isPaused()) this.socket.resume();
      this.serveNext();
    }

    /** node:http reads this connection from the first byte not answered here on. */
    private handOn(): void {
      options.handedOn();
      connections.delete(this);
      const socket = this.socket;
      socket.setTimeout(0);
      socket.removeListener('timeout', this.onTimeout);
      socket.removeListener('data', this.onData);
      socket.removeListener('end', this.onEnd);
      socket.removeListener('error', this.onError);
      socket.removeListener('close', this.onClose);
      socket.pause();
      if (this.pending.length > 0) socket.unshift(this.pending);
      this.pending = EMPTY;
      httpConnection.call(server, socket);
      socket.resume();
    }

    /** At shutdown: an idle connection (or one not reading its answers) ends now, a busy one after its answer. */
    close(): void {
      if (!this.busy || this.draining) this.socket.destroy();
    }
  }

  server.on('connection', (socket: Socket) => {
    if (closing) return httpConnection.call(server, socket);
    connections.add(new DirectConnection(socket));
  });
  return {
    close() {
      closing = true;
      for (const connection of connections) connection.close();
    },
  };
}

/** The `Date` header's value, made once a second as node:http does. */
function utcDate(): () => string {
  let second = -1;
  let value = '';
  return () => {
    const now = Date.now();
    const current = Math.floor(now / 1000);
    if (current !== second) {
      second = current;
      value = new Date(now).toUTCString();
    }
    return value;
  };
}
