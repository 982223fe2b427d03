'use client';

import { useActionState, type ReactNode } from 'react';
import type { ActionState } from '../lib/forms/action-state.ts';
import { CopyButton } from './copy-button.tsx';

export type FormAction = (previous: ActionState | null, formData: FormData) => Promise<ActionState>;

/**
 * A form bound to a server action: carries the CSRF token, shows what the action answered, and shows
 * a key created by it once, with a copy button (the key is in this response only, stored nowhere).
 */
export function ActionForm(props: {
  action: FormAction;
  csrf: string;
  submitLabel: string;
  children?: ReactNode;
  confirm?: string;
  variant?: 'primary' | 'secondary' | 'danger';
  inline?: boolean;
  testId?: string;
}) {
  const [state, formAction, pending] = useActionState(props.action, null);
  return (
    <form
      action={formAction}
      data-testid={props.testId}
      style={props.inline ? { display: 'inline' } : undefined}
      onSubmit={(event) => {
        if (props.confirm && !window.confirm(props.confirm)) event.preventDefault();
      }}
    >
      <input type="hidden" name="csrf" value={props.csrf} />
      {props.children}
      <span className={props.inline ? undefined : 'actions'}>
        <button type="submit" className={props.variant === 'primary' || !props.variant ? undefined : props.variant} disabled={pending}>
          {props.submitLabel}
        </button>
      </span>
      {state && (
        <p className={`message ${state.ok ? 'ok' : 'error'}`} role={state.ok ? 'status' : 'alert'}>
          {state.message}
        </p>
      )}
      {state?.createdKey && (
        <div className="secret" data-testid="created-key">
          <span>
            Key for <strong>{state.createdKey.name}</strong> — copy it now, it is not shown again:
          </span>
          <code>{state.createdKey.key}</code>
          <CopyButton text={state.createdKey.key} />
        </div>
      )}
    </form>
  );
}
