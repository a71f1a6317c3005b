import { Alert, List as Steps, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ok } from '../api/client';
import { Link } from '../router';

/**
 * A new vendor's way in: products → license types → a customer → a key with a license. Shown on the home page
 * until each step is done, each step a link to where it is done.
 */
export function FirstSteps() {
  const { t } = useTranslation();
  const count = (name: string, read: () => Promise<{ data: unknown[] }>) => ({
    queryKey: ['first-steps', name],
    queryFn: async () => (await read()).data.length,
  });
  const products = useQuery(count('products', () => ok(api.GET('/v1/products'))));
  const types = useQuery(count('license-types', () => ok(api.GET('/v1/license-types'))));
  const customers = useQuery(
    count('customers', () => ok(api.GET('/v1/customers', { params: { query: { limit: 1 } } }))),
  );
  const keys = useQuery(count('keys', () => ok(api.GET('/v1/keys', { params: { query: { limit: 1 } } }))));
  if ([products, types, customers, keys].some((q) => q.isPending)) return null;
  const steps = [
    { done: Boolean(products.data), text: t('firstSteps.product'), to: '/products' },
    { done: Boolean(types.data), text: t('firstSteps.type'), to: '/products' },
    { done: Boolean(customers.data), text: t('firstSteps.customer'), to: '/customers' },
    { done: Boolean(keys.data), text: t('firstSteps.key'), to: '/customers' },
  ];
  if (steps.every((step) => step.done)) return null;
  return (
    <Alert title={t('firstSteps.title')} data-testid="first-steps">
      <Steps type="ordered">
        {steps.map((step) => (
          <Steps.Item key={step.text} data-testid={step.done ? 'step-done' : 'step-todo'}>
            {step.done ? (
              <Text span td="line-through" c="dimmed">
                {step.text}
              </Text>
            ) : (
              <Link to={step.to}>{step.text}</Link>
            )}
          </Steps.Item>
        ))}
      </Steps>
    </Alert>
  );
}
