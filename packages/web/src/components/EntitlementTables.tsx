import { Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Entitlement, Order } from '../api/models';
import { EmptyState, formatDate } from './common';

/** What a partner or a customer account may still draw down, and the orders behind it (all three portals). */
export function EntitlementsTable({ rows, loaded }: { rows: Entitlement[]; loaded?: boolean }) {
  const { t } = useTranslation();
  return (
    <>
      <EntitlementsRows rows={rows} />
      <EmptyState when={Boolean(loaded) && rows.length === 0} testId="entitlements-empty">
        {t('empty.entitlements')}
      </EmptyState>
    </>
  );
}

function EntitlementsRows({ rows }: { rows: Entitlement[] }) {
  const { t } = useTranslation();
  return (
    <Table data-testid="entitlements-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('key.product')}</Table.Th>
          <Table.Th>{t('key.licenseType')}</Table.Th>
          <Table.Th>{t('entitlements.purchased')}</Table.Th>
          <Table.Th>{t('entitlements.received')}</Table.Th>
          <Table.Th>{t('entitlements.allocated')}</Table.Th>
          <Table.Th>{t('entitlements.available')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={row.licenseTypeId} data-testid="entitlement-row">
            <Table.Td>{row.productName}</Table.Td>
            <Table.Td>{row.licenseTypeName}</Table.Td>
            <Table.Td>{row.purchased}</Table.Td>
            <Table.Td>{row.received}</Table.Td>
            <Table.Td>{row.allocated}</Table.Td>
            <Table.Td data-testid="entitlement-available">{row.available}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Orders newest first; `empty` is what to say (and do next) when there are none, once they are read. */
export function OrdersTable({ orders, empty }: { orders: Order[]; empty?: string }) {
  const { t } = useTranslation();
  return (
    <>
      <Table data-testid="orders-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('partners.reference')}</Table.Th>
            <Table.Th>{t('common.date')}</Table.Th>
            <Table.Th>{t('partners.items')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <OrderRows orders={orders} />
      </Table>
      <EmptyState when={empty !== undefined && orders.length === 0} testId="orders-empty">
        {empty}
      </EmptyState>
    </>
  );
}

function OrderRows({ orders }: { orders: Order[] }) {
  return (
    <Table.Tbody>
      {orders.map((order) => (
        <Table.Tr key={order.id} data-testid="order-row">
          <Table.Td>{order.reference}</Table.Td>
          <Table.Td>{formatDate(order.createdAt)}</Table.Td>
          <Table.Td>
            {order.items
              .map((item) => `${item.productName} — ${item.licenseTypeName} × ${item.quantity}`)
              .join('; ')}
          </Table.Td>
        </Table.Tr>
      ))}
    </Table.Tbody>
  );
}
