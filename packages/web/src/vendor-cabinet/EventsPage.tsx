import { Code, Stack, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ok } from '../api/client';
import { LoadMore, usePagedList } from '../api/paged-list';
import { EmptyState, formatDateTime, wordFor } from '../components/common';

/** The event log, newest first; the type filter takes exact names or a family (`license.*`). */
export function EventsPage() {
  const { t } = useTranslation();
  const [type, setType] = useState('');
  const events = usePagedList(['events', 'paged', type], (cursor) =>
    ok(api.GET('/v1/events', { params: { query: { limit: 100, type: type || undefined, cursor } } })),
  );
  return (
    <Stack>
      <Title order={3}>{t('events.title')}</Title>
      <TextInput
        placeholder="license.*"
        label={t('events.type')}
        value={type}
        onChange={(e) => setType(e.currentTarget.value)}
        w={240}
        data-testid="event-type"
      />
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('common.date')}</Table.Th>
            <Table.Th>{t('events.type')}</Table.Th>
            <Table.Th>{t('events.actor')}</Table.Th>
            <Table.Th>{t('events.channel')}</Table.Th>
            <Table.Th>{t('events.subject')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.items.map((event) => (
            <Table.Tr key={event.id}>
              <Table.Td>{formatDateTime(event.at)}</Table.Td>
              <Table.Td>
                <Code>{event.type}</Code>
              </Table.Td>
              <Table.Td>{event.actor.name ?? event.actor.type}</Table.Td>
              <Table.Td>{wordFor(t, 'channels', event.channel, event.channel)}</Table.Td>
              <Table.Td>
                {event.subjectType} {event.subjectId.slice(-8)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <EmptyState when={events.isSuccess && events.items.length === 0} testId="events-empty">
        {type ? t('empty.eventsFiltered') : t('empty.events')}
      </EmptyState>
      <LoadMore list={events} />
    </Stack>
  );
}
