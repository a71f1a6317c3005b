import { Center, Loader } from '@mantine/core';

/** Shown while a portal's or a page's code loads. */
export function PageLoader() {
  return (
    <Center h="60vh">
      <Loader aria-label="Loading" />
    </Center>
  );
}
