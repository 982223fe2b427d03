import { redirect } from 'next/navigation';
import { currentSignIn } from '../../lib/auth/session.ts';
import { SignInForm } from './sign-in-form.tsx';

export const dynamic = 'force-dynamic';

export default async function SignInPage() {
  if (await currentSignIn()) redirect('/');
  return (
    <div className="signin panel">
      <h1>LLM gateway admin</h1>
      <SignInForm />
    </div>
  );
}
