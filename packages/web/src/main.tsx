import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './i18n';
import { SetPasswordPage } from './components/PasswordLinks';
import { CustomerApp } from './customer/CustomerApp';
import { PartnerApp } from './partner/PartnerApp';
import { usePath } from './router';
import { VendorApp } from './vendor/VendorApp';

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
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
