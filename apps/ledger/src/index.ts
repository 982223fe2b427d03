export { startLedger, ledgerDurableName, type Ledger, type LedgerOptions } from './ledger.ts';
export { retentionCutoffs, startRetention, type Retention, type RetentionSettings } from './retention.ts';
