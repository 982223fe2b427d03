import { dashboardAndApiSuite } from './dashboard-flow.ts';

dashboardAndApiSuite('embedded');
