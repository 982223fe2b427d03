'use client';

import { useActionState } from 'react';
import { signIn } from './actions.ts';

export function SignInForm() {
  const [state, action, pending] = useActionState(signIn, null);
  return (
    <form action={action}>
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required autoFocus />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <button type="submit" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
      {state && !state.ok && <p className="message error" role="alert">{state.message}</p>}
    </form>
  );
}
