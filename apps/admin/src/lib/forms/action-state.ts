/** What a server action answers its form: a message, and for a new key its plaintext (shown once). */
export interface ActionState {
  ok: boolean;
  message: string;
  createdKey?: { id: string; name: string; key: string };
}

export const refused = (message: string): ActionState => ({ ok: false, message });
