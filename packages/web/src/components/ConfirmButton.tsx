import { Button, type ButtonProps, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';

interface Props extends ButtonProps {
  children: ReactNode;
  /** What is about to happen, asked in the modal. */
  question: string;
  onConfirm: () => void;
  testId?: string;
}

/** A button for what cannot be undone (delete, revoke, revert): it asks in a modal before acting. */
export function ConfirmButton({ children, question, onConfirm, testId, ...button }: Props) {
  const { t } = useTranslation();
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button {...button} onClick={open} data-testid={testId}>
        {children}
      </Button>
      <Modal
        opened={opened}
        onClose={close}
        title={t('common.confirm')}
        centered
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        <Stack>
          <Text>{question}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close} data-testid="confirm-cancel">
              {t('common.cancel')}
            </Button>
            <Button
              color="red"
              onClick={() => {
                close();
                onConfirm();
              }}
              data-testid="confirm-ok"
            >
              {children}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** A button that asks for one value in a modal form (an installation id) and acts with it. */
export function AskButton({
  children,
  label,
  onSubmit,
  testId,
  ...button
}: ButtonProps & { children: ReactNode; label: string; onSubmit: (value: string) => void; testId?: string }) {
  const { t } = useTranslation();
  const [opened, { open, close }] = useDisclosure(false);
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!value.trim()) return;
    close();
    onSubmit(value.trim());
    setValue('');
  };
  return (
    <>
      <Button {...button} onClick={open} data-testid={testId}>
        {children}
      </Button>
      <Modal
        opened={opened}
        onClose={close}
        title={children}
        centered
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        <form onSubmit={submit}>
          <Stack>
            <TextInput
              label={label}
              value={value}
              onChange={(event) => setValue(event.currentTarget.value)}
              required
              data-autofocus
              data-testid="ask-value"
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" disabled={!value.trim()} data-testid="ask-submit">
                {children}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
