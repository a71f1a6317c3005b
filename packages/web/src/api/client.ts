/** The one way pages talk to the server: JSON over fetch, same origin, cookies, CSRF on writes. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

/** Each portal has its own session and CSRF token (vendor cabinet, partner portal, customer cabinet). */
const csrf: Record<string, string> = {};

export function rememberCsrf(portal: string, token: string): void {
  csrf[portal] = token;
}

function portalOf(path: string): string {
  if (path.startsWith('/v1/partner/')) return 'partner';
  if (path.startsWith('/v1/customer/')) return 'customer';
  return 'vendor';
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    headers['x-csrf-token'] = csrf[portalOf(path)] ?? '';
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      data?.error?.code ?? 'HTTP_ERROR',
      data?.error?.message ?? response.statusText,
      data?.error?.details ?? [],
    );
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

/** Offers text as a file download (license files, request files, CSV). */
export function download(fileName: string, content: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}
