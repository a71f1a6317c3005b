import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { type Answer, api, type Body, ok } from '../api/client';
import { type SessionCalls, usePortalSession } from '../api/session';
import { ChunkErrorBoundary } from '../components/ChunkErrorBoundary';
import { wordFor } from '../components/common';
import { StaffLoginForm } from '../components/LoginForm';
import { PageLoader } from '../components/PageLoader';
import { ProfilePage } from '../components/ProfilePage';
import { Shell } from '../components/Shell';
import { match, navigate, usePath } from '../router';
import { CustomerPage } from './CustomerPage';
import { CustomersPage } from './CustomersPage';
import { DrawdownQueuePage } from './DrawdownQueuePage';
import { EventsPage } from './EventsPage';
import { KeyCardPage } from './KeyCardPage';
import { LicensesPage } from './LicensesPage';
import { PartnersPage } from './PartnersPage';
import { ProductsPage } from './ProductsPage';
import { RequestsPage } from './RequestsPage';
import { SigningKeysPage } from './SigningKeysPage';
import { TeamPage } from './TeamPage';
import { WebhooksPage } from './WebhooksPage';

// The heavier pages load when first opened.
const CouponsPage = lazy(() => import('./CouponsPage').then((m) => ({ default: m.CouponsPage })));
const OfflinePage = lazy(() => import('./OfflinePage').then((m) => ({ default: m.OfflinePage })));
const DashboardPage = lazy(() => import('./DashboardPage').then((m) => ({ default: m.DashboardPage })));
const ImportPage = lazy(() => import('./ImportPage').then((m) => ({ default: m.ImportPage })));

function Page({ path }: { path: string }) {
  let params = match('/customers/:id', path);
  if (params) return <CustomerPage id={params.id} />;
  params = match('/keys/:id', path);
  if (params) return <KeyCardPage id={params.id} />;
  if (path.startsWith('/licenses')) return <LicensesPage />;
  if (path.startsWith('/products')) return <ProductsPage />;
  if (path.startsWith('/coupons')) return <CouponsPage />;
  if (path.startsWith('/offline')) return <OfflinePage />;
  if (path.startsWith('/partners')) return <PartnersPage />;
  if (path.startsWith('/drawdowns')) return <DrawdownQueuePage />;
  if (path.startsWith('/events')) return <EventsPage />;
  if (path.startsWith('/requests')) return <RequestsPage />;
  if (path.startsWith('/webhooks')) return <WebhooksPage />;
  if (path.startsWith('/signing-keys')) return <SigningKeysPage />;
  if (path.startsWith('/team')) return <TeamPage />;
  if (path.startsWith('/import')) return <ImportPage />;
  if (path.startsWith('/customers')) return <CustomersPage />;
  return <DashboardPage />;
}

const session = {
  me: () => ok(api.GET('/v1/auth/me')),
  logIn: (body) => ok(api.POST('/v1/auth/login', { body })),
  logOut: () => ok(api.POST('/v1/auth/logout')),
} satisfies SessionCalls<Me, LogIn>;
type Me = Answer<'/v1/auth/me'>;
type LogIn = Body<'/v1/auth/login', 'post'>;

/** The vendor cabinet: logs in, then shows the page for the current path. */
export function VendorApp() {
  const { t } = useTranslation();
  const path = usePath();
  const { me, logIn, logOut, replaceMe } = usePortalSession('vendor', session);
  if (me.isPending) return null;
  if (!me.data) {
    return <StaffLoginForm title={t('login.title')} portal="vendor" logIn={logIn} />;
  }
  const logout = async () => {
    await logOut();
    navigate('/');
  };
  const nav = [
    { to: '/', label: t('nav.home') },
    { to: '/customers', label: t('nav.customers'), also: ['/keys'] },
    { to: '/licenses', label: t('nav.licenses') },
    { to: '/products', label: t('nav.products') },
    { to: '/coupons', label: t('nav.coupons') },
    { to: '/offline', label: t('nav.offline') },
    { to: '/partners', label: t('nav.partners') },
    { to: '/drawdowns', label: t('nav.drawdowns') },
    { to: '/requests', label: t('nav.requests') },
    { to: '/events', label: t('nav.events') },
    { to: '/webhooks', label: t('nav.webhooks') },
    { to: '/signing-keys', label: t('nav.signingKeys') },
    { to: '/import', label: t('nav.import') },
    { to: '/team', label: t('nav.team') },
  ];
  const { user } = me.data;
  const profile = (
    <ProfilePage
      details={[
        { label: 'E-mail', value: user.email },
        { label: t('profile.role'), value: wordFor(t, 'team.roles', user.role) },
      ]}
      name={user.name}
      language={user.language}
      save={async (body) => replaceMe(await ok(api.PATCH('/v1/auth/me', { body })))}
      changePassword={(body) => ok(api.POST('/v1/auth/me/password', { body }))}
    />
  );
  return (
    <Shell title={me.data.vendor.name} nav={nav} user={user.email} profilePath="/profile" onLogout={logout}>
      <ChunkErrorBoundary key={path}>
        <Suspense fallback={<PageLoader />}>{path === '/profile' ? profile : <Page path={path} />}</Suspense>
      </ChunkErrorBoundary>
    </Shell>
  );
}
