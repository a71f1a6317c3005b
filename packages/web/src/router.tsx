import { type MouseEvent, type ReactNode, useEffect, useState } from 'react';

/** A tiny History API router: the server answers every page path with index.html. */
const listeners = new Set<() => void>();

export function navigate(path: string): void {
  window.history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

export function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

/** Matches `/keys/:id` against a path; returns the params or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const source = pattern.replace(/:(\w+)/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const regex = new RegExp(`^${source}/?$`);
  const found = regex.exec(path);
  if (!found) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
}

/**
 * The click handler of an in-app link: a plain click goes to `to` without reloading (then `after`, e.g. closing a
 * menu); Ctrl-, ⌘- or shift-click opens it elsewhere, as a browser link does.
 */
export const followLink =
  (to: string, after?: () => void) =>
  (event: MouseEvent): void => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    after?.();
    navigate(to);
  };

export function Link({ to, children, testId }: { to: string; children: ReactNode; testId?: string }) {
  return (
    <a href={to} onClick={followLink(to)} data-testid={testId}>
      {children}
    </a>
  );
}
