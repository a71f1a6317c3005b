import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, post, rememberCsrf } from './client';

/**
 * The logged-in session of one portal: `null` when logged out. Each portal keeps its own CSRF token,
 * remembered here from `me` and from login answers.
 */
export function usePortalSession<Me extends { csrfToken: string }>(
  portal: 'vendor' | 'partner' | 'customer',
  mePath: string,
) {
  const queryClient = useQueryClient();
  const key = [portal === 'vendor' ? 'me' : portal, 'me'];
  const me = useQuery({
    queryKey: key,
    queryFn: async () => {
      try {
        const answer = await get<Me>(mePath);
        rememberCsrf(portal, answer.csrfToken);
        return answer;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
  });
  /** Posts credentials to a login route and makes the answer the session. */
  const logIn = async (path: string, body: unknown) => {
    const answer = await post<Me>(path, body);
    rememberCsrf(portal, answer.csrfToken);
    queryClient.setQueryData(key, answer);
    return answer;
  };
  /** Ends the session (already ended counts as done) and shows the login page again. */
  const logOut = async (path: string) => {
    try {
      await post(path);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    }
    queryClient.setQueryData(key, null);
    queryClient.removeQueries({ predicate: (query) => query.queryKey.join('/') !== key.join('/') });
  };
  return { me, logIn, logOut };
}
