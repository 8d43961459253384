/** Source assets: owned by the application team upstream; observed and contract-checked, never materialized. */
import { defineAsset } from '../core';
import { kinesisStream, rdsTable } from '../kinds';
import { customersContract, orderLinesContract, ordersContract, productsContract, ratingsContract, userEventsContract } from './contracts';

const APP_TEAM = ['team:storefront-backend'];

const table = (name: string, table: string, contract: typeof customersContract, description: string) =>
  defineAsset({
    key: `source/${name}`,
    source: true,
    compute: rdsTable({ table }),
    storage: { kind: 'rds' },
    contract,
    owners: APP_TEAM,
    group: 'sources',
    tags: { domain: 'commerce', ...(contract.columns.some((c) => c.pii) ? { pii: 'true' } : {}) },
    description,
  });

export const customers = table('customers', 'customers', customersContract, 'Customers of the store (classicmodels), read from the RDS read replica.');
export const products = table('products', 'products', productsContract, 'The product catalog.');
export const ratings = table('ratings', 'ratings', ratingsContract, 'Star ratings customers gave products; the training label.');
export const orders = table('orders', 'orders', ordersContract, 'Order headers: who ordered when.');
/** Not in the architecture table: classicmodels keeps line items (product, quantity, price) apart from orders. */
export const orderLines = table('order_lines', 'orderdetails', orderLinesContract, 'Order line items (classicmodels `orderdetails`): what was sold at which price.');

export const userEvents = defineAsset({
  key: 'stream/user_events',
  source: true,
  compute: kinesisStream({ mode: 'provisioned', shards: 2, retentionHours: 24 }),
  storage: { kind: 'kinesis' },
  contract: userEventsContract,
  owners: APP_TEAM,
  group: 'sources',
  tags: { domain: 'commerce', latency: 'realtime' },
  description: 'Browsing events from the storefront: who looked at what, with the cart.',
});
