import { Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { type Answer, api, ok } from '../api/client';
import { LIVE_REFRESH_MS } from '../api/paged-list';
import { formatNumber } from '../components/common';
import { StackedBars } from '../components/StackedBars';
import { followLink } from '../router';
import { FirstSteps } from './FirstSteps';

type Dashboard = Answer<'/v1/dashboard'>;

const DAYS = 30;
/** The figures at the top; those with a page of their own open it (the expiring ones soonest first). */
const STATS = [
  { field: 'activeDevices', testId: 'stat-devices' },
  { field: 'liveSessions', testId: 'stat-sessions' },
  { field: 'expiringSoon', testId: 'stat-expiring', to: '/licenses?sort=expiry' },
  { field: 'openRequests', testId: 'stat-requests', to: '/requests' },
  { field: 'openApprovals', testId: 'stat-approvals', to: '/drawdowns' },
] as const;
const CODE_COLORS: Record<string, string> = { VALID: 'teal', GRACE_PERIOD: 'yellow' };
const OTHER_COLORS = ['red', 'orange', 'grape', 'indigo', 'pink', 'gray', 'cyan', 'lime'];

/** One bar per day of the last 30 (empty days included), stacked by outcome code. */
function byDay(rows: Dashboard['validations'], today: Date) {
  const days = Array.from({ length: DAYS }, (_, i) =>
    new Date(today.getTime() - (DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  );
  const codes = [...new Set(rows.map((row) => row.code))].sort((a, b) =>
    a === 'VALID' ? -1 : b === 'VALID' ? 1 : a.localeCompare(b),
  );
  const data = days.map((day) => ({
    day: day.slice(5),
    ...Object.fromEntries(codes.map((code) => [code, 0])),
    ...Object.fromEntries(rows.filter((row) => row.day === day).map((row) => [row.code, row.count])),
  }));
  let other = 0;
  const series = codes.map((code) => ({
    name: code,
    color: CODE_COLORS[code] ?? OTHER_COLORS[other++ % OTHER_COLORS.length]!,
  }));
  return { data, series };
}

function Stat({ label, value, testId, to }: { label: string; value: number; testId: string; to?: string }) {
  const link = to
    ? { component: 'a' as const, href: to, onClick: followLink(to), 'data-testid': `${testId}-link` }
    : {};
  return (
    <Card withBorder padding="md" {...link}>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={testId}>
        {formatNumber(value)}
      </Text>
    </Card>
  );
}

/** The vendor's home page: the first steps while any is left, then how the products are used. */
export function DashboardPage() {
  const { t } = useTranslation();
  const dashboard = useQuery({
    queryKey: ['dashboard'],
    queryFn: () => ok(api.GET('/v1/dashboard')),
    refetchInterval: LIVE_REFRESH_MS,
  });
  const chart = dashboard.data ? byDay(dashboard.data.validations, new Date()) : undefined;
  return (
    <Stack>
      <FirstSteps />
      <Title order={3}>{t('dashboard.title')}</Title>
      {dashboard.data && (
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }}>
          {STATS.map((stat) => (
            <Stat
              key={stat.field}
              label={t(`dashboard.${stat.field}`)}
              value={dashboard.data[stat.field]}
              testId={stat.testId}
              to={'to' in stat ? stat.to : undefined}
            />
          ))}
        </SimpleGrid>
      )}
      <Card withBorder>
        <Title order={5} mb="sm">
          {t('dashboard.validations')}
        </Title>
        {chart && chart.series.length > 0 ? (
          <StackedBars
            data={chart.data}
            categoryKey="day"
            series={chart.series}
            label={t('dashboard.validations')}
            testId="validations-chart"
          />
        ) : (
          <Text c="dimmed" data-testid="validations-empty">
            {t('dashboard.noValidations')}
          </Text>
        )}
      </Card>
    </Stack>
  );
}
