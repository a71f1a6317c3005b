import '@mantine/core/styles.css';
import { createTheme, MantineProvider, Select } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './i18n';
import { SetPasswordPage } from './components/PasswordLinks';
import { CustomerApp } from './customer/CustomerApp';
import { PartnerApp } from './partner/PartnerApp';
import { usePath } from './router';
import { VendorApp } from './vendor/VendorApp';

// Re-clicking the chosen option of a select keeps it chosen; a select that may be emptied says so (`clearable`).
const theme = createTheme({
  components: { Select: Select.extend({ defaultProps: { allowDeselect: false } }) },
});

const queryClient = new QueryClient({
  // Coming back to the window shows what changed meanwhile (queues, sessions, requests).
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: true } },
});

/** Three portals in one bundle: the customer cabinet, the partner portal, and the vendor cabinet. */
function App() {
  const path = usePath();
  const [, portal] = path.split('/');
  if (path.endsWith('/set-password')) return <SetPasswordPage />;
  if (portal === 'customer') return <CustomerApp />;
  if (portal === 'partner') return <PartnerApp />;
  return <VendorApp />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme}>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
