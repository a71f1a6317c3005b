import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './layout.css';
import {
  Badge,
  createTheme,
  defaultVariantColorsResolver,
  MantineProvider,
  Select,
  Table,
  type VariantColorsResolver,
} from '@mantine/core';
import { Notifications, notifications } from '@mantine/notifications';
import { MutationCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { ChunkErrorBoundary } from './components/ChunkErrorBoundary';
import { describeError } from './components/common';
import { PageLoader } from './components/PageLoader';
import i18n from './i18n';
import { usePath } from './router';

// Each portal is its own chunk, loaded when its page is opened: a customer never downloads the vendor cabinet.
const CustomerApp = lazy(() =>
  import('./customer-cabinet/CustomerApp').then((m) => ({ default: m.CustomerApp })),
);
const PartnerApp = lazy(() => import('./partner-portal/PartnerApp').then((m) => ({ default: m.PartnerApp })));
const VendorApp = lazy(() => import('./vendor-cabinet/VendorApp').then((m) => ({ default: m.VendorApp })));
const SetPasswordPage = lazy(() =>
  import('./components/PasswordLinks').then((m) => ({ default: m.SetPasswordPage })),
);

// Re-clicking the chosen option of a select keeps it chosen; a select that may be emptied says so (`clearable`).
// A badge keeps its whole word on a narrow screen: the table around it scrolls instead.
// Text on filled buttons and badges, and dimmed text, meet WCAG AA contrast (axe runs in the browser tests):
// the darker shades of each colour, and the text colour chosen by the fill's lightness.
// Mantine lightens a filled control on hover when its shade is already the darkest (9, ours), and white text on
// the lighter shade falls below AA: a hovered button darkens instead.
const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  return input.variant === 'filled'
    ? { ...colors, hover: `color-mix(in srgb, ${colors.background}, black 15%)` }
    : colors;
};

const theme = createTheme({
  primaryShade: 9,
  variantColorResolver,
  autoContrast: true,
  components: {
    Select: Select.extend({ defaultProps: { allowDeselect: false } }),
    // On a phone a wide table scrolls in its own box (layout.css), which the keyboard must reach too.
    Table: Table.extend({ defaultProps: { tabIndex: 0 } }),
    Badge: Badge.extend({
      styles: { root: { flexShrink: 0, overflow: 'visible' }, label: { overflow: 'visible' } },
    }),
  },
});

const contrastingDimmed = () => ({
  variables: {},
  // A field's error (under it, and its text) in the darkest red: the default shade is below AA on white.
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-error': 'var(--mantine-color-red-9)',
  },
  dark: {},
});

const notify = (color: string, message: string, autoClose: number) =>
  notifications.show({
    color,
    message,
    autoClose,
    closeButtonProps: { 'aria-label': i18n.t('common.close') },
  });

const queryClient = new QueryClient({
  // Every action says how it went, in a notification at the corner, besides what its page shows.
  mutationCache: new MutationCache({
    // A mutation marked `meta: { quiet: true }` (a login) speaks for itself on its form.
    onSuccess: (_data, _variables, _context, mutation) => {
      if (!mutation.meta?.quiet) notify('green', i18n.t('common.done'), 2000);
    },
    onError: (error, _variables, _context, mutation) => {
      if (!mutation.meta?.quiet) notify('red', describeError(error, i18n.t), 8000);
    },
  }),
  // Coming back to the window shows what changed meanwhile (queues, sessions, requests).
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: true } },
});

/** Three portals: the customer cabinet, the partner portal, and the vendor cabinet. */
function Portal() {
  const path = usePath();
  const [, portal] = path.split('/');
  if (path.endsWith('/set-password')) return <SetPasswordPage />;
  if (portal === 'customer') return <CustomerApp />;
  if (portal === 'partner') return <PartnerApp />;
  return <VendorApp />;
}

function App() {
  return (
    <ChunkErrorBoundary>
      <Suspense fallback={<PageLoader />}>
        <Portal />
      </Suspense>
    </ChunkErrorBoundary>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={contrastingDimmed}>
      <Notifications position="bottom-right" />
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
