import {
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  Select,
  Stack,
  Table,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Body, ok } from '../api/client';
import type { Product } from '../api/models';
import { ConfirmButton } from '../components/ConfirmButton';
import { EmptyState, ErrorAlert, fieldError, termOf, wordFor } from '../components/common';

const SCOPES = ['installation', 'tenant', 'seat', 'floating', 'unlimited'];
const KINDS = ['machine', 'agent', 'device', 'tenant', 'robot', 'user', 'database', 'installation'];
const MODES = ['subscription', 'perpetual', 'trial', 'test', 'nfr'];

type NewType = Body<'/v1/license-types', 'post'>;

function NewProduct() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => ok(api.POST('/v1/products', { body: { code, name } })),
    onSuccess: () => {
      setCode('');
      setName('');
      return queryClient.invalidateQueries({ queryKey: ['products'] });
    },
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={5}>{t('products.new')}</Title>
        <Group align="end">
          <TextInput
            label={t('common.code')}
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            error={fieldError(create.error, 'code')}
            data-testid="product-code"
          />
          <TextInput
            label={t('common.name')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={fieldError(create.error, 'name')}
            data-testid="product-name"
          />
          <Button onClick={() => create.mutate()} loading={create.isPending} data-testid="product-create">
            {t('common.create')}
          </Button>
        </Group>
        <ErrorAlert error={create.error} />
      </Stack>
    </Card>
  );
}

function NewLicenseType({ products }: { products: Product[] }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    productId: '',
    name: '',
    scope: 'seat',
    resourceKind: '',
    mode: 'subscription',
    termUnit: 'year',
    termCount: 1 as number | string,
    maxSeats: '' as number | string,
    maxSessions: '' as number | string,
    heartbeatSeconds: '' as number | string,
    capabilities: '',
    bindingLocked: false,
    graceDays: 0 as number | string,
  });
  const set = (patch: Partial<typeof form>) => setForm({ ...form, ...patch });
  const optional = (value: number | string) => (value === '' ? null : Number(value));
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/license-types', {
          // The selects offer exactly the schema's values (SCOPES, KINDS, MODES, the units): narrowed here.
          body: {
            productId: form.productId,
            name: form.name,
            scope: form.scope as NewType['scope'],
            resourceKind: (form.resourceKind || null) as NewType['resourceKind'],
            mode: form.mode as NewType['mode'],
            term:
              form.termUnit === 'perpetual'
                ? null
                : {
                    unit: form.termUnit as NonNullable<NewType['term']>['unit'],
                    count: Number(form.termCount),
                  },
            maxSeats: optional(form.maxSeats),
            maxSessions: optional(form.maxSessions),
            heartbeatSeconds: optional(form.heartbeatSeconds),
            capabilities: form.capabilities
              .split(',')
              .map((c) => c.trim())
              .filter(Boolean),
            bindingLocked: form.bindingLocked,
            graceDays: Number(form.graceDays) || 0,
          },
        }),
      ),
    onSuccess: () => {
      // The product and the shape stay for the next type of the same product; its own name does not.
      setForm({ ...form, name: '', capabilities: '' });
      return queryClient.invalidateQueries({ queryKey: ['license-types'] });
    },
  });
  const options = (values: string[], group: 'scope' | 'kind' | 'mode') =>
    values.map((value) => ({ value, label: wordFor(t, `enums.${group}`, value) }));
  return (
    <Card withBorder>
      <Stack>
        <Title order={5}>{t('products.newType')}</Title>
        <Group align="end" wrap="wrap">
          <Select
            label={t('products.title')}
            data={products.map((p) => ({ value: p.id, label: `${p.name} (${p.code})` }))}
            value={form.productId}
            onChange={(value) => set({ productId: value ?? '' })}
            error={fieldError(create.error, 'productId')}
            data-testid="type-product"
          />
          <TextInput
            label={t('common.name')}
            value={form.name}
            onChange={(e) => set({ name: e.currentTarget.value })}
            error={fieldError(create.error, 'name')}
            data-testid="type-name"
          />
          <Select
            label={t('products.scope')}
            data={options(SCOPES, 'scope')}
            value={form.scope}
            onChange={(v) => set({ scope: v ?? 'seat' })}
            error={fieldError(create.error, 'scope')}
            data-testid="type-scope"
          />
          <Select
            label={t('products.resourceKind')}
            data={options(KINDS, 'kind')}
            value={form.resourceKind}
            clearable
            onChange={(v) => set({ resourceKind: v ?? '' })}
            error={fieldError(create.error, 'resourceKind')}
          />
          <Select
            label={t('products.mode')}
            data={options(MODES, 'mode')}
            value={form.mode}
            onChange={(v) => set({ mode: v ?? 'subscription' })}
            error={fieldError(create.error, 'mode')}
          />
          <NumberInput
            label={t('products.termCount')}
            value={form.termCount}
            min={1}
            onChange={(v) => set({ termCount: v })}
            error={fieldError(create.error, 'term')}
            w={110}
          />
          <Select
            label={t('products.termUnit')}
            data={['day', 'month', 'year', 'perpetual'].map((u) => ({
              value: u,
              label: wordFor(t, 'products.unit', u),
            }))}
            value={form.termUnit}
            onChange={(v) => set({ termUnit: v ?? 'year' })}
            error={fieldError(create.error, 'term')}
            w={140}
          />
          <NumberInput
            label={t('products.maxSeats')}
            value={form.maxSeats}
            min={1}
            onChange={(v) => set({ maxSeats: v })}
            error={fieldError(create.error, 'maxSeats')}
            w={100}
            data-testid="type-seats"
          />
          <NumberInput
            label={t('products.maxSessions')}
            value={form.maxSessions}
            min={1}
            onChange={(v) => set({ maxSessions: v })}
            error={fieldError(create.error, 'maxSessions')}
            w={140}
          />
          <NumberInput
            label={t('products.heartbeat')}
            value={form.heartbeatSeconds}
            min={10}
            onChange={(v) => set({ heartbeatSeconds: v })}
            error={fieldError(create.error, 'heartbeatSeconds')}
            w={140}
          />
          <NumberInput
            label={t('products.graceDays')}
            value={form.graceDays}
            min={0}
            onChange={(v) => set({ graceDays: v })}
            error={fieldError(create.error, 'graceDays')}
            w={110}
          />
          <TextInput
            label={t('products.capabilities')}
            value={form.capabilities}
            onChange={(e) => set({ capabilities: e.currentTarget.value })}
            error={fieldError(create.error, 'capabilities')}
          />
          <Checkbox
            label={t('products.bindingLocked')}
            checked={form.bindingLocked}
            onChange={(e) => set({ bindingLocked: e.currentTarget.checked })}
            error={fieldError(create.error, 'bindingLocked')}
          />
          <Button onClick={() => create.mutate()} loading={create.isPending} data-testid="type-create">
            {t('common.create')}
          </Button>
        </Group>
        <ErrorAlert error={create.error} />
      </Stack>
    </Card>
  );
}

/** Rename, archive (or bring back) and delete a catalog entry; deleting what was used answers IN_USE. */
function CatalogActions({
  entry,
  name,
  archived,
}: {
  /** A product or a license type: their routes take the same changes. */
  entry: { kind: 'products' | 'license-types'; id: string };
  name: string;
  archived: boolean;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<string | null>(null);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['products'] }),
      queryClient.invalidateQueries({ queryKey: ['license-types'] }),
    ]);
  const change = useMutation({
    mutationFn: (body: { name?: string; archived?: boolean }): Promise<unknown> => {
      const params = { path: { id: entry.id } };
      return entry.kind === 'products'
        ? ok(api.PATCH('/v1/products/{id}', { params, body }))
        : ok(api.PATCH('/v1/license-types/{id}', { params, body }));
    },
    onSuccess: () => {
      setEditing(null);
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (): Promise<unknown> => {
      const params = { path: { id: entry.id } };
      return entry.kind === 'products'
        ? ok(api.DELETE('/v1/products/{id}', { params }))
        : ok(api.DELETE('/v1/license-types/{id}', { params }));
    },
    onSuccess: refresh,
  });
  return (
    <Stack gap={4}>
      <Group gap="xs">
        {editing === null ? (
          <Button
            size="compact-xs"
            variant="subtle"
            onClick={() => setEditing(name)}
            data-testid="catalog-rename"
          >
            {t('catalog.rename')}
          </Button>
        ) : (
          <>
            <TextInput
              size="xs"
              aria-label={t('common.name')}
              value={editing}
              onChange={(e) => setEditing(e.currentTarget.value)}
              data-testid="catalog-name"
            />
            <Button
              size="compact-xs"
              onClick={() => change.mutate({ name: editing })}
              data-testid="catalog-save"
            >
              {t('common.save')}
            </Button>
          </>
        )}
        <Button
          size="compact-xs"
          variant="light"
          color={archived ? 'green' : 'gray'}
          onClick={() => change.mutate({ archived: !archived })}
          data-testid="catalog-archive"
        >
          {archived ? t('catalog.restore') : t('catalog.archive')}
        </Button>
        <ConfirmButton
          size="compact-xs"
          variant="light"
          color="red"
          question={t('catalog.deleteQuestion')}
          onConfirm={() => remove.mutate()}
          testId="catalog-delete"
        >
          {t('catalog.delete')}
        </ConfirmButton>
      </Group>
      <ErrorAlert error={change.error ?? remove.error} />
    </Stack>
  );
}

export function ProductsPage() {
  const { t } = useTranslation();
  const products = useQuery({ queryKey: ['products'], queryFn: () => ok(api.GET('/v1/products')) });
  const types = useQuery({ queryKey: ['license-types'], queryFn: () => ok(api.GET('/v1/license-types')) });
  return (
    <Stack>
      <Title order={3}>{t('products.title')}</Title>
      <NewProduct />
      <Table data-testid="products-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('common.code')}</Table.Th>
            <Table.Th>{t('common.name')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {products.data?.data.map((p) => (
            <Table.Tr key={p.id} data-testid="product-row" opacity={p.archived ? 0.6 : 1}>
              <Table.Td>{p.code}</Table.Td>
              <Table.Td>
                {p.name} {p.archived && <Badge color="gray">{t('catalog.archived')}</Badge>}
              </Table.Td>
              <Table.Td>
                <CatalogActions entry={{ kind: 'products', id: p.id }} name={p.name} archived={p.archived} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <EmptyState when={products.isSuccess && products.data.data.length === 0} testId="products-empty">
        {t('empty.products')}
      </EmptyState>
      <Title order={4}>{t('products.types')}</Title>
      <NewLicenseType products={products.data?.data ?? []} />
      <Table data-testid="types-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('common.name')}</Table.Th>
            <Table.Th>{t('products.title')}</Table.Th>
            <Table.Th>{t('products.scope')}</Table.Th>
            <Table.Th>{t('products.mode')}</Table.Th>
            <Table.Th>{t('products.term')}</Table.Th>
            <Table.Th>{t('products.maxSeats')}</Table.Th>
            <Table.Th>{t('products.capabilities')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {types.data?.data.map((type) => (
            <Table.Tr key={type.id} data-testid="type-row" opacity={type.archived ? 0.6 : 1}>
              <Table.Td>
                {type.name} {type.archived && <Badge color="gray">{t('catalog.archived')}</Badge>}
              </Table.Td>
              <Table.Td>{type.productCode}</Table.Td>
              <Table.Td>
                {wordFor(t, 'enums.scope', type.scope)}
                {type.resourceKind ? ` / ${wordFor(t, 'enums.kind', type.resourceKind)}` : ''}
              </Table.Td>
              <Table.Td>{wordFor(t, 'enums.mode', type.mode)}</Table.Td>
              <Table.Td>{termOf(t, type.term)}</Table.Td>
              <Table.Td>{type.maxSeats ?? type.maxSessions ?? '—'}</Table.Td>
              <Table.Td>{type.capabilities.join(', ')}</Table.Td>
              <Table.Td>
                <CatalogActions
                  entry={{ kind: 'license-types', id: type.id }}
                  name={type.name}
                  archived={type.archived}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <EmptyState when={types.isSuccess && types.data.data.length === 0} testId="types-empty">
        {t('empty.licenseTypes')}
      </EmptyState>
    </Stack>
  );
}
