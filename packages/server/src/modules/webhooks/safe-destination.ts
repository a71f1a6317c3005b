import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { AppError } from '../../platform/errors.js';

/**
 * Where a webhook may not go on a shared server: loopback, private, carrier-grade NAT, link-local (cloud
 * metadata at 169.254.169.254), unspecified, multicast and reserved ranges, in IPv4 and IPv6.
 */
const FORBIDDEN = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 96], // ::, ::1 and IPv4-compatible addresses (::127.0.0.1)
  ['64:ff9b::', 96], // NAT64: reaches IPv4 addresses, metadata included
  ['64:ff9b:1::', 48],
  ['2002::', 16], // 6to4
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');

/** True for an address a webhook must not reach (IPv4-mapped IPv6 is judged by its IPv4 address). */
export function isForbiddenAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return FORBIDDEN.check(mapped[1], 'ipv4');
  const family = net.isIP(address);
  if (family === 0) return true;
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const refuseUrl = (code: 'VALIDATION_FAILED' | 'WEBHOOK_URL_FORBIDDEN', message: string) =>
  new AppError(code, message, [{ path: 'body/url', message }]);

/** A URL a vendor may register: http(s), and not a literal forbidden address or `localhost`. */
export function assertWebhookUrl(url: string, allowPrivate: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuseUrl('VALIDATION_FAILED', 'the webhook URL is not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw refuseUrl('VALIDATION_FAILED', 'a webhook URL is http or https');
  if (parsed.username || parsed.password)
    throw refuseUrl('VALIDATION_FAILED', 'a webhook URL carries no credentials');
  if (allowPrivate) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
  const local = host === 'localhost' || host.endsWith('.localhost');
  if (local || (net.isIP(host) !== 0 && isForbiddenAddress(host)))
    throw refuseUrl(
      'WEBHOOK_URL_FORBIDDEN',
      'webhooks may not target loopback, private, link-local or metadata addresses',
    );
}

/**
 * Resolves like the system does, then refuses a forbidden answer. Used as the socket's own lookup, so the
 * address checked is the address connected to (a name re-bound between check and connect changes nothing).
 */
function guardedLookup(
  hostname: string,
  options: dns.LookupOptions,
  callback: (
    error: NodeJS.ErrnoException | null,
    address: string | dns.LookupAddress[],
    family?: number,
  ) => void,
): void {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => isForbiddenAddress(a.address));
    if (refused)
      return callback(new Error(`${hostname} resolves to a forbidden address (${refused.address})`), []);
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    callback(null, first.address, first.family);
  });
}

export interface PostResult {
  status: number;
}

/**
 * POSTs a body and resolves with the status. Follows no redirect (a 3xx is the answer), gives up after
 * `timeoutMs`, and — unless `allowPrivate` — connects only to a public address, checked at connect time.
 */
export function postToWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<PostResult> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivate && net.isIP(host) !== 0 && isForbiddenAddress(host))
    return Promise.reject(new Error(`${host} is a forbidden address`));
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal: AbortSignal.timeout(options.timeoutMs),
        ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
      },
      (response) => {
        response.resume(); // the body is not read: only the status counts
        response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
