'use client';

import { startTransition, useActionState, useEffect, useRef, type ReactNode } from 'react';
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
  /** Empty the fields after a change succeeded (forms that add something). */
  resetOnSuccess?: boolean;
}) {
  const [state, formAction, pending] = useActionState(props.action, null);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (state?.ok && props.resetOnSuccess) form.current?.reset();
  }, [state, props.resetOnSuccess]);
  return (
    <form
      ref={form}
      // Without JavaScript the form posts to the action as it is; with it, onSubmit below runs it.
      action={formAction}
      data-testid={props.testId}
      style={props.inline ? { display: 'inline' } : undefined}
      onSubmit={(event) => {
        // Run the action ourselves: React would otherwise empty the form after every submission,
        // and an operator whose change was refused would lose what they typed.
        event.preventDefault();
        if (props.confirm && !window.confirm(props.confirm)) return;
        const data = new FormData(event.currentTarget);
        startTransition(() => formAction(data));
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
