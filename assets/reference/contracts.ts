/**
 * Data contracts of the reference graph: the classicmodels-like source tables the application
 * team owns, the browsing-event stream, and the 13-column training set of the seed lab.
 * A change to a source table that breaks one of these fails `assets contracts check` in CI.
 */
import type { Contract } from '../core';

export const customersContract: Contract = {
  primaryKey: ['customerNumber'],
  columns: [
    { name: 'customerNumber', type: 'int', nullable: false, subject: 'customer' },
    { name: 'customerName', type: 'string', nullable: false, pii: true },
    { name: 'city', type: 'string', nullable: false },
    { name: 'state', type: 'string', nullable: true },
    { name: 'postalCode', type: 'string', nullable: true, pii: true },
    { name: 'country', type: 'string', nullable: false },
    { name: 'creditLimit', type: 'decimal(10,2)', nullable: true },
  ],
};

export const productsContract: Contract = {
  primaryKey: ['productCode'],
  columns: [
    { name: 'productCode', type: 'string', nullable: false },
    { name: 'productName', type: 'string', nullable: false },
    { name: 'productLine', type: 'string', nullable: false },
    { name: 'productScale', type: 'string', nullable: false },
    { name: 'productVendor', type: 'string', nullable: false },
    { name: 'productDescription', type: 'string', nullable: false },
    { name: 'quantityInStock', type: 'smallint', nullable: false },
    { name: 'buyPrice', type: 'decimal(10,2)', nullable: false },
    { name: 'MSRP', type: 'decimal(10,2)', nullable: false },
  ],
};

export const ratingsContract: Contract = {
  primaryKey: ['customerNumber', 'productCode'],
  columns: [
    { name: 'customerNumber', type: 'int', nullable: false, subject: 'customer' },
    { name: 'productCode', type: 'string', nullable: false },
    { name: 'productRating', type: 'int', nullable: false, description: '1 to 5 stars' },
    { name: 'ratedAt', type: 'timestamp', nullable: false },
  ],
};

export const ordersContract: Contract = {
  primaryKey: ['orderNumber'],
  columns: [
    { name: 'orderNumber', type: 'int', nullable: false },
    { name: 'orderDate', type: 'timestamp', nullable: false },
    { name: 'status', type: 'string', nullable: false },
    { name: 'customerNumber', type: 'int', nullable: false, subject: 'customer' },
  ],
};

export const orderLinesContract: Contract = {
  primaryKey: ['orderNumber', 'orderLineNumber'],
  columns: [
    { name: 'orderNumber', type: 'int', nullable: false },
    { name: 'orderLineNumber', type: 'smallint', nullable: false },
    { name: 'productCode', type: 'string', nullable: false },
    { name: 'quantityOrdered', type: 'int', nullable: false },
    { name: 'priceEach', type: 'decimal(10,2)', nullable: false },
  ],
};

/** Browsing events the application puts on the stream (JSON, snake_case as in the seed lab). */
export const userEventsContract: Contract = {
  columns: [
    { name: 'customer_number', type: 'int', nullable: false, subject: 'customer' },
    { name: 'city', type: 'string', nullable: true },
    { name: 'country', type: 'string', nullable: true },
    { name: 'credit_limit', type: 'double', nullable: true },
    { name: 'browse_history', type: 'array<struct<product_code:string,quantity:int,in_shopping_cart:boolean>>', nullable: false },
    { name: 'event_time', type: 'timestamp', nullable: false },
  ],
};

/** The seed lab's training columns, typed for ML: prices as doubles, ratings as ints. */
export const trainingContract: Contract = {
  columns: [
    { name: 'customerNumber', type: 'int', nullable: false, subject: 'customer' },
    { name: 'city', type: 'string', nullable: false },
    { name: 'state', type: 'string', nullable: true },
    { name: 'postalCode', type: 'string', nullable: true, pii: true },
    { name: 'country', type: 'string', nullable: false },
    { name: 'creditLimit', type: 'double', nullable: true },
    { name: 'productCode', type: 'string', nullable: false },
    { name: 'productLine', type: 'string', nullable: false },
    { name: 'productScale', type: 'string', nullable: false },
    { name: 'quantityInStock', type: 'int', nullable: false },
    { name: 'buyPrice', type: 'double', nullable: false },
    { name: 'MSRP', type: 'double', nullable: false },
    { name: 'productRating', type: 'int', nullable: false },
  ],
};

export const popularProductsContract: Contract = {
  primaryKey: ['productCode'],
  columns: [
    { name: 'rank', type: 'int', nullable: false },
    { name: 'productCode', type: 'string', nullable: false },
    { name: 'productName', type: 'string', nullable: false },
    { name: 'productLine', type: 'string', nullable: false },
    { name: 'orders', type: 'bigint', nullable: false },
    { name: 'unitsSold', type: 'bigint', nullable: false },
    { name: 'avgRating', type: 'double', nullable: true },
    { name: 'score', type: 'double', nullable: false },
  ],
};

export const salesHourlyContract: Contract = {
  primaryKey: ['hour', 'productLine', 'country'],
  columns: [
    { name: 'hour', type: 'timestamp', nullable: false },
    { name: 'productLine', type: 'string', nullable: false },
    { name: 'country', type: 'string', nullable: false },
    { name: 'orders', type: 'bigint', nullable: false },
    { name: 'unitsSold', type: 'bigint', nullable: false },
    { name: 'revenue', type: 'double', nullable: false },
  ],
};

/** Each recommendation the stream pipeline writes to the lake. */
export const recommendationsContract: Contract = {
  columns: [
    ...userEventsContract.columns,
    { name: 'recommended_items', type: 'array<string>', nullable: false },
    { name: 'similar_items', type: 'array<string>', nullable: false },
    { name: 'fallback', type: 'boolean', nullable: false },
  ],
};
