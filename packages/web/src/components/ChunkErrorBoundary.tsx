import { Alert, Button, Stack } from '@mantine/core';
import { Component, type ReactNode } from 'react';
import i18n from '../i18n';

/**
 * A page's code that cannot be loaded any more (the server was upgraded while this tab stayed open, and the old
 * chunk is gone): says so and offers a reload, instead of a blank page.
 */
export class ChunkErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  render() {
    if (!this.state.failed) return this.props.children;
    return (
      <Stack p="md" maw={520}>
        <Alert color="orange" data-testid="page-failed">
          {i18n.t('common.pageFailed')}
        </Alert>
        <Button onClick={() => window.location.reload()}>{i18n.t('common.reload')}</Button>
      </Stack>
    );
  }
}
