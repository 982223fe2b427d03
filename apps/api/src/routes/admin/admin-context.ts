import type { Bus } from '@gateway/bus';
import type { Database, SecretBox } from '@gateway/db';

export interface AdminContext {
  database: Database;
  bus: Bus;
  secretBox: SecretBox;
  masterKey: string | undefined;
  configSource: string;
}
