import proxyAddr from '@fastify/proxy-addr';

/**
 * The client's address as Fastify's `request.ip` gives it under our `trustProxy` setting (the rate limits key on
 * it): the socket's, or with `TRUST_PROXY` the nearest `X-Forwarded-For` address not from a trusted proxy.
 */
export function clientAddress(
  trustProxy: boolean | string[],
): (socketAddress: string, forwardedFor: string | undefined) => string {
  if (!trustProxy) return (socketAddress) => socketAddress;
  const trust = trustProxy === true ? () => true : proxyAddr.compile(trustProxy);
  return (socketAddress, forwardedFor) => {
    const request = {
      headers: { 'x-forwarded-for': forwardedFor },
      socket: { remoteAddress: socketAddress },
    };
    const addresses = proxyAddr.all(request as unknown as Parameters<typeof proxyAddr.all>[0], trust);
    return addresses[addresses.length - 1] ?? socketAddress;
  };
}
