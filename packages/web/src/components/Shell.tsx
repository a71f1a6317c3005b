import { AppShell, Avatar, Burger, Button, Group, Menu, NavLink, ScrollArea, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { followLink, usePath } from '../router';
import { LanguageSwitch } from './common';

export interface NavItem {
  to: string;
  label: string;
  /** Other paths that belong to this page (a customer's card belongs to Customers). */
  also?: string[];
}

const HEADER_HEIGHT = 56;
const NAVBAR_WIDTH = 230;

const within = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** The navigation item the path belongs to: the longest match, and the first item at the portal's root. */
function activeItem(nav: NavItem[], path: string): NavItem | undefined {
  const matches = nav.filter((item) => [item.to, ...(item.also ?? [])].some((to) => within(path, to)));
  return matches.sort((a, b) => b.to.length - a.to.length)[0] ?? nav[0];
}

/**
 * The frame of every portal: a header with the burger (on phones), the portal's title, the language and the
 * user's menu; a sidebar of pages with the current one marked, collapsing behind the burger below 768 px.
 */
export function Shell({
  title,
  nav,
  user,
  profilePath,
  onLogout,
  children,
}: {
  title: string;
  nav: NavItem[];
  user: string;
  /** Where the user menu's "Profile" leads. */
  profilePath: string;
  onLogout: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const path = usePath();
  const [opened, { toggle, close }] = useDisclosure();
  const active = path === profilePath ? undefined : activeItem(nav, path);
  const go = (to: string) => followLink(to, close);
  return (
    <AppShell
      header={{ height: HEADER_HEIGHT }}
      navbar={
        nav.length > 0 ? { width: NAVBAR_WIDTH, breakpoint: 'sm', collapsed: { mobile: !opened } } : undefined
      }
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap" miw={0}>
            {nav.length > 0 && (
              <Burger
                opened={opened}
                onClick={toggle}
                hiddenFrom="sm"
                size="sm"
                aria-label={t('app.menu')}
                data-testid="nav-burger"
              />
            )}
            <Text fw={700} size="lg" truncate="end" component="h1">
              {title}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LanguageSwitch />
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <Button variant="subtle" size="xs" maw={220} px={6} title={user} data-testid="user-menu">
                  <Avatar size={24} radius="xl" color="blue" mr={{ base: 0, sm: 6 }} aria-hidden>
                    {user.slice(0, 1).toUpperCase()}
                  </Avatar>
                  <Text size="sm" truncate="end" visibleFrom="sm" data-testid="current-user">
                    {user}
                  </Text>
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{user}</Menu.Label>
                <Menu.Item component="a" href={profilePath} onClick={go(profilePath)} data-testid="profile">
                  {t('profile.menu')}
                </Menu.Item>
                <Menu.Item color="red" onClick={onLogout} data-testid="logout">
                  {t('app.logout')}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      {nav.length > 0 && (
        <AppShell.Navbar p="xs" aria-label={t('app.navigation')}>
          <AppShell.Section grow component={ScrollArea}>
            {nav.map((item) => (
              <NavLink
                key={item.to}
                href={item.to}
                label={item.label}
                active={item === active}
                variant="filled"
                aria-current={item === active ? 'page' : undefined}
                onClick={go(item.to)}
                data-testid={`nav-${item.to.replaceAll('/', '') || 'home'}`}
              />
            ))}
          </AppShell.Section>
        </AppShell.Navbar>
      )}
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
