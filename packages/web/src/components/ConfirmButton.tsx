import { Button, type ButtonProps, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';

interface ModalButtonProps extends ButtonProps {
  children: ReactNode;
  testId?: string;
}

/** A button that opens a modal; the modal's body gets the function that closes it. */
function ModalButton({
  children,
  testId,
  title,
  body,
  ...button
}: ModalButtonProps & { title: ReactNode; body: (close: () => void) => ReactNode }) {
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
        title={title}
        centered
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        {body(close)}
      </Modal>
    </>
  );
}

/** A button for what cannot be undone (delete, revoke, revert): it asks in a modal before acting. */
export function ConfirmButton({
  question,
  onConfirm,
  ...button
}: ModalButtonProps & { question: string; onConfirm: () => void }) {
  const { t } = useTranslation();
  return (
    <ModalButton
      {...button}
      title={t('common.confirm')}
      body={(close) => (
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
              {button.children}
            </Button>
          </Group>
        </Stack>
      )}
    />
  );
}

function AskForm({
  label,
  submitLabel,
  onSubmit,
  close,
}: {
  label: string;
  submitLabel: ReactNode;
  onSubmit: (value: string) => void;
  close: () => void;
}) {
  const { t } = useTranslation();
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!value.trim()) return;
    close();
    onSubmit(value.trim());
  };
  return (
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
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** A button that asks for one value in a modal form (an installation id) and acts with it. */
export function AskButton({
  label,
  onSubmit,
  ...button
}: ModalButtonProps & { label: string; onSubmit: (value: string) => void }) {
  return (
    <ModalButton
      {...button}
      title={button.children}
      body={(close) => (
        <AskForm label={label} submitLabel={button.children} onSubmit={onSubmit} close={close} />
      )}
    />
  );
}
