export { startLedger, ledgerDurableName, type Ledger, type LedgerOptions } from './ledger.ts';
