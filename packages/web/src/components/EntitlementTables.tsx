import { Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Entitlement, Order } from '../api/models';
import { formatDate } from './common';

/** What a partner or a customer account may still draw down, and the orders behind it (all three portals). */
export function EntitlementsTable({ rows }: { rows: Entitlement[] }) {
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

export function OrdersTable({ orders }: { orders: Order[] }) {
  return (
    <Table data-testid="orders-table">
      <Table.Tbody>
        {orders.map((order) => (
          <Table.Tr key={order.id}>
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
    </Table>
  );
}
