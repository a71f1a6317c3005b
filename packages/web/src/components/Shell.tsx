import { AppShell, Button, Group, Stack, Text, Title } from '@mantine/core';
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
    <AppShell header={{ height: 92 }} padding="md">
      <AppShell.Header>
        <Stack gap={4} px="md" py={8}>
          <Group justify="space-between">
            <Title order={4}>{title}</Title>
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
          <Group gap="lg">
            {nav.map((item) => (
              <Link key={item.to} to={item.to} testId={`nav-${item.to.replaceAll('/', '') || 'home'}`}>
                {item.label}
              </Link>
            ))}
          </Group>
        </Stack>
      </AppShell.Header>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
