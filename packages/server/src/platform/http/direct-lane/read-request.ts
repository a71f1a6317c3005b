/**
 * Reads one request from the front of a connection's bytes, if it is exactly the plain kind the direct lane
 * answers: HTTP/1.1, the lane's one method and path, no query, one of each header, a Content-Length body of
 * JSON, and all of it already received. Anything else — a partial request, chunked bodies, folded or repeated
 * headers, `Expect`, `Upgrade`, `Connection: close`, other bytes — is left to node:http, so that every unusual
 * request meets the framework's own parser and answers, and the two never disagree on where a request ends.
 */

export interface RequestRead {
  /** Header names in lower case, each present once. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
  /** How many bytes of the buffer the request spans. */
  readonly length: number;
}

/** Header sections past this size are node:http's to refuse (it answers 431 past 16 KiB). */
const MAX_HEAD_BYTES = 8 * 1024;
const MAX_HEADERS = 64;
// RFC 9110's token and field-value characters; no obs-text, no obs-fold, no bare CR or LF. A value is written as
// every client writes it, `Name: value`: at most one space before it and no whitespace after it.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^ ?(?:[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?)?$/;
const CONTENT_LENGTH = /^[0-9]{1,9}$/;
const JSON_TYPE = /^application\/json(?:; ?charset=utf-8)?$/i;
/** Headers whose presence changes how a request is framed or answered: node:http handles those. */
const FRAMEWORK_HEADERS = new Set(['transfer-encoding', 'expect', 'upgrade', 'proxy-connection']);

/**
 * The request at the front of `buffer` for `POST path`, or undefined when it is not one the lane may answer
 * (node:http must then read from this very byte on).
 */
export function readRequest(buffer: Buffer, requestLine: Buffer, bodyLimit: number): RequestRead | undefined {
  if (
    buffer.length <= requestLine.length ||
    buffer.compare(requestLine, 0, requestLine.length, 0, requestLine.length) !== 0
  )
    return undefined;
  const headEnd = buffer.indexOf('\r\n\r\n', requestLine.length - 2, 'latin1');
  if (headEnd < 0 || headEnd > MAX_HEAD_BYTES) return undefined;
  const headers = new Map<string, string>();
  const lines = buffer.toString('latin1', requestLine.length, headEnd).split('\r\n');
  if (lines.length > MAX_HEADERS) return undefined;
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    const rawValue = line.slice(colon + 1);
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(rawValue)) return undefined;
    const value = rawValue.charCodeAt(0) === 0x20 ? rawValue.slice(1) : rawValue;
    const lower = name.toLowerCase();
    if (headers.has(lower) || FRAMEWORK_HEADERS.has(lower)) return undefined;
    headers.set(lower, value);
  }
  const connection = headers.get('connection');
  if (!headers.has('host') || (connection !== undefined && connection.toLowerCase() !== 'keep-alive'))
    return undefined;
  if (!JSON_TYPE.test(headers.get('content-type') ?? '')) return undefined;
  const declared = headers.get('content-length') ?? '';
  if (!CONTENT_LENGTH.test(declared)) return undefined;
  const bodyLength = Number(declared);
  const bodyStart = headEnd + 4;
  if (bodyLength === 0 || bodyLength > bodyLimit || buffer.length < bodyStart + bodyLength) return undefined;
  return {
    headers,
    body: buffer.subarray(bodyStart, bodyStart + bodyLength),
    length: bodyStart + bodyLength,
  };
}
