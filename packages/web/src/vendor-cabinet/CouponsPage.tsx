import {
  ActionIcon,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  NumberInput,
  Select,
  Stack,
  Table,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Body, ok, type Query } from '../api/client';
import { LoadMore, usePagedList } from '../api/paged-list';
import {
  EmptyState,
  ErrorAlert,
  fieldError,
  formatDateTime,
  StatusBadge,
  wordFor,
} from '../components/common';

const TYPES = ['add_product', 'extend_trial', 'change_composition'] as const;

let nextRow = 0;

type BatchForm = Body<'/v1/coupon-batches', 'post'>;
type CouponType = BatchForm['type'];
type TermUnit = NonNullable<BatchForm['items'][number]['term']>['unit'];
/** The coupon list's filters, as its route's query takes them. */
type CouponFilters = Query<'/v1/coupons'>;

interface ItemForm {
  /** Stable across edits, so React keeps each row's inputs. */
  row: number;
  licenseTypeId: string | null;
  count: number | string;
  unit: TermUnit | 'perpetual';
}

function Generator({ presetKeyId }: { presetKeyId: string | null }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [type, setType] = useState<CouponType>(presetKeyId ? 'change_composition' : 'add_product');
  const [partnerId, setPartnerId] = useState<string | null>(null);
  const [items, setItems] = useState<ItemForm[]>([
    { row: nextRow++, licenseTypeId: null, count: 1, unit: 'year' },
  ]);
  const [days, setDays] = useState<number | string>(30);
  const [count, setCount] = useState<number | string>(1);
  const [reusable, setReusable] = useState(false);
  const [activateNow, setActivateNow] = useState(false);
  const [comment, setComment] = useState('');
  const partners = useQuery({ queryKey: ['partners'], queryFn: () => ok(api.GET('/v1/partners')) });
  const types = useQuery({ queryKey: ['license-types'], queryFn: () => ok(api.GET('/v1/license-types')) });
  const key = useQuery({
    queryKey: ['key', presetKeyId],
    queryFn: () => ok(api.GET('/v1/keys/{id}', { params: { path: { id: presetKeyId ?? '' } } })),
    enabled: Boolean(presetKeyId),
  });
  const generate = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/coupon-batches', {
          body: {
            type,
            partnerId,
            items: items.map((item) =>
              type === 'extend_trial'
                ? { licenseTypeId: item.licenseTypeId ?? undefined, days: Number(days) }
                : {
                    licenseTypeId: item.licenseTypeId ?? undefined,
                    term: item.unit === 'perpetual' ? null : { unit: item.unit, count: Number(item.count) },
                  },
            ),
            ...(type === 'change_composition'
              ? { keyId: presetKeyId ?? undefined, activateNow }
              : { count: Number(count) }),
            ...(type === 'extend_trial' ? { reusable } : {}),
            comment: comment || null,
          },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['coupons'] }),
  });
  const typeOptions = (types.data?.data ?? [])
    .filter((lt) => type !== 'extend_trial' || lt.mode === 'trial')
    .map((lt) => ({ value: lt.id, label: `${lt.productCode} — ${lt.name}` }));
  const setItem = (index: number, patch: Partial<ItemForm>) =>
    setItems(items.map((item, i) => (i === index ? { ...item, ...patch } : item)));
  return (
    <Card withBorder>
      <Stack>
        <Title order={5}>{t('coupons.generator')}</Title>
        <Group grow>
          <Select
            label={t('coupons.type')}
            data={TYPES.map((value) => ({ value, label: wordFor(t, 'coupons.types', value) }))}
            value={type}
            onChange={(value) => setType((value as CouponType | null) ?? 'add_product')}
            error={fieldError(generate.error, 'type')}
            data-testid="coupon-type"
          />
          <Select
            label={t('coupons.distributor')}
            data={(partners.data?.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
            value={partnerId}
            clearable
            onChange={setPartnerId}
            error={fieldError(generate.error, 'partnerId')}
          />
        </Group>
        {type === 'change_composition' && (
          <TextInput
            label={t('coupons.keyToUpgrade')}
            value={key.data?.key ?? ''}
            readOnly
            error={fieldError(generate.error, 'keyId')}
            data-testid="coupon-key"
          />
        )}
        {type === 'change_composition' && <Title order={6}>{t('coupons.productsAfter')}</Title>}
        {items.map((item, index) => (
          <Group key={item.row} align="end">
            <Select
              label={t('coupons.product')}
              data={typeOptions}
              value={item.licenseTypeId}
              onChange={(value) => setItem(index, { licenseTypeId: value })}
              error={fieldError(generate.error, `items/${index}/licenseTypeId`)}
              data-testid={`coupon-product-${index}`}
              w={320}
            />
            {type === 'extend_trial' ? (
              <NumberInput
                label={t('coupons.days')}
                value={days}
                min={1}
                onChange={setDays}
                error={fieldError(generate.error, `items/${index}/days`)}
                w={140}
              />
            ) : (
              <>
                <NumberInput
                  label={t('coupons.period')}
                  value={item.count}
                  min={1}
                  onChange={(value) => setItem(index, { count: value })}
                  error={fieldError(generate.error, `items/${index}/term`)}
                  w={120}
                />
                <Select
                  label={t('products.termUnit')}
                  data={['day', 'month', 'year', 'perpetual'].map((u) => ({
                    value: u,
                    label: wordFor(t, 'products.unit', u),
                  }))}
                  value={item.unit}
                  onChange={(value) => setItem(index, { unit: (value as ItemForm['unit'] | null) ?? 'year' })}
                  w={140}
                />
              </>
            )}
            {items.length > 1 && (
              <ActionIcon
                variant="subtle"
                color="red"
                onClick={() => setItems(items.filter((_, i) => i !== index))}
              >
                ×
              </ActionIcon>
            )}
          </Group>
        ))}
        {type !== 'extend_trial' && (
          <Group>
            <Button
              variant="subtle"
              size="xs"
              onClick={() =>
                setItems([...items, { row: nextRow++, licenseTypeId: null, count: 1, unit: 'year' }])
              }
            >
              + {t('coupons.addProduct')}
            </Button>
          </Group>
        )}
        <Group>
          {type !== 'change_composition' && (
            <NumberInput
              label={t('coupons.count')}
              value={count}
              min={1}
              onChange={setCount}
              error={fieldError(generate.error, 'count')}
              w={220}
              data-testid="coupon-count"
            />
          )}
          {type === 'extend_trial' && (
            <Checkbox
              label={t('coupons.reusable')}
              checked={reusable}
              onChange={(e) => setReusable(e.currentTarget.checked)}
            />
          )}
          {type === 'change_composition' && (
            <Checkbox
              label={t('coupons.activateNow')}
              checked={activateNow}
              onChange={(e) => setActivateNow(e.currentTarget.checked)}
            />
          )}
        </Group>
        <Textarea
          label={t('common.comment')}
          value={comment}
          onChange={(e) => setComment(e.currentTarget.value)}
          error={fieldError(generate.error, 'comment')}
        />
        <ErrorAlert error={generate.error} />
        <Group>
          <Button
            onClick={() => generate.mutate()}
            loading={generate.isPending}
            data-testid="coupon-generate"
          >
            {t('coupons.generate')}
          </Button>
        </Group>
        {generate.data && (
          <Stack gap={4} data-testid="generated-codes">
            <Title order={6}>{t('coupons.generated')}</Title>
            {generate.data.codes.map((code) => (
              <Code key={code} data-testid="generated-code">
                {code}
              </Code>
            ))}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

function RedeemForm() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [key, setKey] = useState('');
  const [coupon, setCoupon] = useState('');
  const redeem = useMutation({
    mutationFn: () => ok(api.POST('/v1/redemptions', { body: { key, coupon } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['coupons'] }),
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={5}>{t('coupons.redeem')}</Title>
        <Group align="end">
          <TextInput
            label={t('coupons.key')}
            value={key}
            onChange={(e) => setKey(e.currentTarget.value)}
            w={360}
            data-testid="redeem-key"
          />
          <TextInput
            label={t('coupons.coupon')}
            value={coupon}
            onChange={(e) => setCoupon(e.currentTarget.value)}
            w={300}
            data-testid="redeem-coupon"
          />
          <Button onClick={() => redeem.mutate()} loading={redeem.isPending} data-testid="redeem-submit">
            {t('coupons.redeem')}
          </Button>
        </Group>
        {redeem.isSuccess && <StatusBadge status="active" label={t('coupons.redeemed')} />}
        <ErrorAlert error={redeem.error} />
      </Stack>
    </Card>
  );
}

function History({ id }: { id: string }) {
  const { t } = useTranslation();
  const detail = useQuery({
    queryKey: ['coupon', id],
    queryFn: () => ok(api.GET('/v1/coupons/{id}', { params: { path: { id } } })),
  });
  return (
    <Stack gap={2}>
      {detail.data?.history.map((r) => (
        <Code key={r.id}>
          {formatDateTime(r.redeemedAt)} · {r.key} · {wordFor(t, 'channels', r.channel, r.channel)} ·{' '}
          {r.actor.name ?? r.actor.type}
          {r.revertedAt ? ` · ${t('key.reverted')} ${formatDateTime(r.revertedAt)}` : ''}
        </Code>
      ))}
    </Stack>
  );
}

function CouponList() {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<Record<'type' | 'partnerId' | 'state' | 'batchId', string | null>>({
    type: null,
    partnerId: null,
    state: null,
    batchId: null,
  });
  const [open, setOpen] = useState<string | null>(null);
  const partners = useQuery({ queryKey: ['partners'], queryFn: () => ok(api.GET('/v1/partners')) });
  const batches = useQuery({
    queryKey: ['coupons', 'batches'],
    queryFn: () => ok(api.GET('/v1/coupon-batches')),
  });
  const [search, setSearch] = useState('');
  // The Selects offer only the values the route takes (coupon types, states): narrowed from their strings.
  const query = {
    type: (filters.type ?? undefined) as CouponFilters['type'],
    partnerId: filters.partnerId ?? undefined,
    state: (filters.state ?? undefined) as CouponFilters['state'],
    batchId: filters.batchId ?? undefined,
    q: search.trim() || undefined,
  };
  // Page by page to the end (the cursor of each page), not a first page of 200.
  const coupons = usePagedList(['coupons', query], (cursor) =>
    ok(api.GET('/v1/coupons', { params: { query: { limit: 100, ...query, cursor } } })),
  );
  const set = (name: keyof typeof filters) => (value: string | null) =>
    setFilters({ ...filters, [name]: value });
  return (
    <Stack>
      <Group>
        <TextInput
          aria-label={t('common.search')}
          placeholder={t('common.search')}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          data-testid="coupons-search"
        />
        <Select
          aria-label={t('coupons.type')}
          placeholder={t('coupons.type')}
          clearable
          data={TYPES.map((v) => ({ value: v, label: wordFor(t, 'coupons.types', v) }))}
          value={filters.type}
          onChange={set('type')}
        />
        <Select
          aria-label={t('coupons.distributor')}
          placeholder={t('coupons.distributor')}
          clearable
          data={(partners.data?.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          value={filters.partnerId}
          onChange={set('partnerId')}
        />
        <Select
          aria-label={t('common.state')}
          placeholder={t('common.state')}
          clearable
          data={['active', 'redeemed'].map((v) => ({ value: v, label: wordFor(t, 'coupons.states', v) }))}
          value={filters.state}
          onChange={set('state')}
        />
        <Select
          aria-label={t('coupons.batch')}
          placeholder={t('coupons.batch')}
          clearable
          data={(batches.data?.data ?? []).map((b) => ({
            value: b.id,
            label: `${formatDateTime(b.createdAt)} · ${wordFor(t, 'coupons.types', b.type)} × ${b.count}`,
          }))}
          value={filters.batchId}
          onChange={set('batchId')}
          w={360}
        />
        {filters.batchId && (
          <Button
            component="a"
            href={`/v1/coupon-batches/${filters.batchId}/coupons.csv`}
            variant="light"
            data-testid="export-csv"
          >
            {t('coupons.exportCsv')}
          </Button>
        )}
      </Group>
      <Table data-testid="coupons-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('coupons.coupon')}</Table.Th>
            <Table.Th>{t('coupons.type')}</Table.Th>
            <Table.Th>{t('common.state')}</Table.Th>
            <Table.Th>{t('common.comment')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {coupons.items.map((c) => (
            <Table.Tr key={c.id} data-testid="coupon-row">
              <Table.Td>
                <Code>{c.code}</Code>
              </Table.Td>
              <Table.Td>{wordFor(t, 'coupons.types', c.type)}</Table.Td>
              <Table.Td>
                <StatusBadge
                  status={c.state}
                  label={`${wordFor(t, 'coupons.states', c.state)}${c.reusable ? ` (${c.redemptions})` : ''}`}
                />
              </Table.Td>
              <Table.Td>{c.comment}</Table.Td>
              <Table.Td>
                <Button
                  size="compact-xs"
                  variant="subtle"
                  onClick={() => setOpen(open === c.id ? null : c.id)}
                >
                  {t('coupons.history')}
                </Button>
                {open === c.id && <History id={c.id} />}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <EmptyState when={coupons.isSuccess && coupons.items.length === 0} testId="coupons-empty">
        {t('empty.coupons')}
      </EmptyState>
      <LoadMore list={coupons} />
    </Stack>
  );
}

/** Coupons (seed 004): the generator, the vendor's redemption form, and the list with filters. */
export function CouponsPage() {
  const { t } = useTranslation();
  const presetKeyId = new URLSearchParams(window.location.search).get('key');
  return (
    <Stack>
      <Title order={3}>{t('coupons.title')}</Title>
      <Generator presetKeyId={presetKeyId} />
      <RedeemForm />
      <CouponList />
    </Stack>
  );
}
