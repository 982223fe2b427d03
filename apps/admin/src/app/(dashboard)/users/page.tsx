import { listAdminUsers } from '@gateway/db';
import { ActionForm } from '../../../components/action-form.tsx';
import { adminHost } from '../../../host.ts';
import { minimumPasswordLength } from '../../../lib/auth/password.ts';
import { requirePageSignIn } from '../../../lib/auth/session.ts';
import { formatTime } from '../../../lib/format.ts';
import { createUserAction, updateUserAction } from './actions.ts';

export const dynamic = 'force-dynamic';

export default async function UsersPage() {
  const { session, csrfToken } = await requirePageSignIn();
  const users = await listAdminUsers(adminHost().database.db);
  const isAdmin = session.role === 'admin';
  return (
    <>
      <h1>Users</h1>
      <p className="muted">Admins read and change everything; viewers only read.</p>
      {isAdmin && (
        <details className="panel">
          <summary>
            <strong>Add a user</strong>
          </summary>
          <ActionForm action={createUserAction} csrf={csrfToken} submitLabel="Add user" testId="create-user-form" resetOnSuccess>
            <div className="form-grid">
              <label>
                Email
                <input name="email" type="email" required />
              </label>
              <label>
                Role
                <select name="role" defaultValue="viewer">
                  <option value="viewer">viewer</option>
                  <option value="admin">admin</option>
                </select>
              </label>
              <label>
                Password (at least {minimumPasswordLength} characters)
                <input name="password" type="password" autoComplete="new-password" minLength={minimumPasswordLength} required />
              </label>
            </div>
          </ActionForm>
        </details>
      )}
      <div className="table-wrap">
        <table data-testid="users-table">
          <thead>
            <tr>
              <th>email</th>
              <th>role</th>
              <th>state</th>
              <th>last sign-in</th>
              <th>created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id}>
                <td>{user.email}</td>
                <td>
                  <span className={`badge ${user.role === 'admin' ? 'accent' : ''}`}>{user.role}</span>
                </td>
                <td>{user.disabledAt ? <span className="badge error">disabled</span> : <span className="badge ok">enabled</span>}</td>
                <td>{formatTime(user.lastSignInAt)}</td>
                <td>{formatTime(user.createdAt)}</td>
                <td>
                  {isAdmin && user.id !== session.userId && (
                    <>
                      <ActionForm action={updateUserAction} csrf={csrfToken} submitLabel={user.role === 'admin' ? 'Make viewer' : 'Make admin'} variant="secondary" inline>
                        <input type="hidden" name="id" value={user.id} />
                        <input type="hidden" name="role" value={user.role === 'admin' ? 'viewer' : 'admin'} />
                      </ActionForm>{' '}
                      <ActionForm action={updateUserAction} csrf={csrfToken} submitLabel={user.disabledAt ? 'Enable' : 'Disable'} variant={user.disabledAt ? 'secondary' : 'danger'} inline>
                        <input type="hidden" name="id" value={user.id} />
                        <input type="hidden" name="disabled" value={user.disabledAt ? 'false' : 'true'} />
                      </ActionForm>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
