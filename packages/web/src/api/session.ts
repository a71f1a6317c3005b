import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, rememberCsrf } from './client';

/** A portal's three session calls over the typed client (`ok(api.GET('/v1/auth/me'))`, …). */
export interface SessionCalls<Me, LogIn> {
  me(): Promise<Me>;
  logIn(body: LogIn): Promise<Me>;
  logOut(): Promise<unknown>;
}

/**
 * The logged-in session of one portal: `null` when logged out. Each portal keeps its own CSRF token,
 * remembered here from `me` and from login answers.
 */
export function usePortalSession<Me extends { csrfToken: string }, LogIn>(
  portal: 'vendor' | 'partner' | 'customer',
  calls: SessionCalls<Me, LogIn>,
) {
  const queryClient = useQueryClient();
  const key = [portal === 'vendor' ? 'me' : portal, 'me'];
  const me = useQuery({
    queryKey: key,
    queryFn: async (): Promise<Me | null> => {
      try {
        const answer = await calls.me();
        rememberCsrf(portal, answer.csrfToken);
        return answer;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
  });
  /** Posts credentials to the portal's login route and makes the answer the session. */
  const logIn = async (body: LogIn) => {
    const answer = await calls.logIn(body);
    rememberCsrf(portal, answer.csrfToken);
    queryClient.setQueryData(key, answer);
    return answer;
  };
  /** Ends the session (already ended counts as done) and shows the login page again. */
  const logOut = async () => {
    try {
      await calls.logOut();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    }
    queryClient.setQueryData(key, null);
    queryClient.removeQueries({ predicate: (query) => query.queryKey.join('/') !== key.join('/') });
  };
  /** Shows an answer of the portal's own account (after a profile change) as the session. */
  const replaceMe = (answer: Me) => queryClient.setQueryData(key, answer);
  return { me, logIn, logOut, replaceMe };
}
