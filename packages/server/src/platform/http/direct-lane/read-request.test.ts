import { describe, expect, it } from 'vitest';
import { readRequest } from './read-request.js';

const LINE = Buffer.from('POST /v1/validate HTTP/1.1\r\n');
const BODY = '{"key":"K","product":"p"}';
const HEAD = `host: x\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\n`;
const read = (text: string) => readRequest(Buffer.from(text, 'latin1'), LINE, 1024);
const request = (head = HEAD, body = BODY) => `POST /v1/validate HTTP/1.1\r\n${head}\r\n${body}`;

describe('what the direct lane reads itself', () => {
  it('a plain request: its headers in lower case, its body, and where it ends', () => {
    const bytes = `${request('Host: x\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 25\r\nX-Note:a\r\n')}GET /`;
    const taken = read(bytes);
    expect(taken?.body.toString()).toBe(BODY);
    expect(taken?.length).toBe(bytes.length - 'GET /'.length);
    expect(Object.fromEntries(taken!.headers)).toEqual({
      host: 'x',
      'content-type': 'application/json; charset=utf-8',
      'content-length': '25',
      'x-note': 'a',
    });
  });

  // Each of these is left to node:http, from its first byte.
  const notOurs: [string, string][] = [
    ['another route', request().replace('/v1/validate', '/v1/activate')],
    ['a query string', request().replace('/v1/validate', '/v1/validate?x=1')],
    ['HTTP/1.0', request().replace('HTTP/1.1', 'HTTP/1.0')],
    ['a lower-case method', request().replace('POST', 'post')],
    ['a partial body', request().slice(0, -3)],
    ['a partial head', request().slice(0, 40)],
    ['no Host', request(HEAD.replace('host: x\r\n', ''))],
    ['a repeated header in another case', request(`${HEAD}Host: y\r\n`)],
    ['chunked framing', request(`${HEAD}transfer-encoding: chunked\r\n`)],
    ['Expect', request(`${HEAD}expect: 100-continue\r\n`)],
    ['Upgrade', request(`${HEAD}upgrade: websocket\r\n`)],
    ['Connection: close', request(`${HEAD}connection: close\r\n`)],
    ['Proxy-Connection', request(`${HEAD}proxy-connection: close\r\n`)],
    ['a folded header', request(`${HEAD}x-note: a\r\n b\r\n`)],
    ['a space before the colon', request(`${HEAD}x-note : a\r\n`)],
    ['a tab after a Content-Length', request(HEAD.replace('25\r\n', '25\t\r\n'))],
    ['a space after a value', request(`${HEAD}x-note: a \r\n`)],
    ['a tab before a value', request(`${HEAD}x-note:\ta\r\n`)],
    ['a control byte in a value', request(`${HEAD}x-note: a\x0bb\r\n`)],
    ['a byte past ASCII in a value', request(`${HEAD}x-note: caf\xe9\r\n`)],
    ['a bare LF', request(`${HEAD}x-note: a\nb\r\n`)],
    ['a signed Content-Length', request(HEAD.replace(': 25', ': +25'))],
    ['an empty body', request(HEAD.replace(': 25', ': 0'), '')],
    ['a body past the limit', request(HEAD.replace(': 25', ': 2000'), 'x'.repeat(2000))],
    ['another media type', request(HEAD.replace('application/json', 'text/plain'))],
  ];
  it.each(notOurs)('%s is not the lane’s', (_name, bytes) => {
    expect(read(bytes)).toBeUndefined();
  });
});
