import { AppShell, Button, Group, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from '../router';
import { LanguageSwitch } from './common';

export interface NavItem {
  to: string;
  label: string;
}

/** The frame of every portal: title, navigation, who is logged in, language and logout. */
export function Shell({
  title,
  nav,
  user,
  onLogout,
  children,
}: {
  title: string;
  nav: NavItem[];
  user: string;
  onLogout: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="lg">
            <Title order={4}>{title}</Title>
            {nav.map((item) => (
              <Link key={item.to} to={item.to} testId={`nav-${item.to.replaceAll('/', '') || 'home'}`}>
                {item.label}
              </Link>
            ))}
          </Group>
          <Group gap="sm">
            <Text size="sm" data-testid="current-user">
              {user}
            </Text>
            <LanguageSwitch />
            <Button variant="subtle" size="xs" onClick={onLogout} data-testid="logout">
              {t('app.logout')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
