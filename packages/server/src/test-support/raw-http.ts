import net from 'node:net';

/** An answer as it came over the wire. */
export interface RawAnswer {
  readonly status: number;
  /** Names in lower case. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A POST of `body` to `path` as one request's bytes, the headers given after Host. */
export function rawPost(path: string, body: string, headers: Record<string, string> = {}): string {
  const all = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  };
  const lines = Object.entries(all).map(([name, value]) => `${name}: ${value}\r\n`);
  return `POST ${path} HTTP/1.1\r\nhost: test\r\n${lines.join('')}\r\n${body}`;
}

function parseAnswers(bytes: Buffer): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const [statusLine = '', ...lines] = bytes.toString('latin1', at, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (bytes.length < headEnd + 4 + length) break;
    const body = bytes.subarray(headEnd + 4, headEnd + 4 + length);
    answers.push({ status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') });
    at = headEnd + 4 + length;
  }
  return answers;
}

/**
 * Writes each of `writes` on one connection (pausing `gapMs` between them), then reads until `answers` answers
 * have arrived or the server closes; with `end`, half-closes after the last write.
 */
export function exchange(
  url: string,
  writes: readonly (string | Buffer)[],
  options: { answers: number; gapMs?: number; end?: boolean },
): Promise<{ answers: RawAnswer[]; closed: boolean }> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let closed = false;
    const finish = () => {
      socket.destroy();
      resolve({ answers: parseAnswers(received), closed });
    };
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (parseAnswers(received).length >= options.answers) finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', reject);
    socket.on('connect', async () => {
      for (const [i, write] of writes.entries()) {
        if (i > 0 && options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
        socket.write(write);
      }
      if (options.end) socket.end();
    });
  });
}
