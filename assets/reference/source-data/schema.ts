/**
 * The classicmodels-like source schema, typed as the source contracts of the reference graph
 * expect (../contracts.ts): quoted camelCase columns, Postgres types that map
 * back to the contract's (int -> integer, string -> varchar/text, decimal(10,2) -> numeric(10,2)).
 * Keys and indexes are added after the bulk load: building them once is much faster.
 */

import type { SourceDataTable } from '../../core/demo-data';

export const SOURCE_TABLES: readonly SourceDataTable[] = [
  {
    name: 'customers',
    columns: ['customerNumber', 'customerName', 'city', 'state', 'postalCode', 'country', 'creditLimit'],
    ddl: `CREATE TABLE customers (
      "customerNumber" integer NOT NULL,
      "customerName" varchar(50) NOT NULL,
      "city" varchar(50) NOT NULL,
      "state" varchar(50),
      "postalCode" varchar(15),
      "country" varchar(50) NOT NULL,
      "creditLimit" numeric(10,2)
    )`,
    after: ['ALTER TABLE customers ADD PRIMARY KEY ("customerNumber")'],
  },
  {
    name: 'products',
    columns: ['productCode', 'productName', 'productLine', 'productScale', 'productVendor', 'productDescription', 'quantityInStock', 'buyPrice', 'MSRP'],
    ddl: `CREATE TABLE products (
      "productCode" varchar(15) NOT NULL,
      "productName" varchar(70) NOT NULL,
      "productLine" varchar(50) NOT NULL,
      "productScale" varchar(10) NOT NULL,
      "productVendor" varchar(50) NOT NULL,
      "productDescription" text NOT NULL,
      "quantityInStock" smallint NOT NULL,
      "buyPrice" numeric(10,2) NOT NULL,
      "MSRP" numeric(10,2) NOT NULL
    )`,
    after: ['ALTER TABLE products ADD PRIMARY KEY ("productCode")'],
  },
  {
    name: 'ratings',
    columns: ['customerNumber', 'productCode', 'productRating', 'ratedAt'],
    ddl: `CREATE TABLE ratings (
      "customerNumber" integer NOT NULL,
      "productCode" varchar(15) NOT NULL,
      "productRating" integer NOT NULL CHECK ("productRating" BETWEEN 1 AND 5),
      "ratedAt" timestamp NOT NULL
    )`,
    after: ['ALTER TABLE ratings ADD PRIMARY KEY ("customerNumber", "productCode")', 'CREATE INDEX ratings_rated_at ON ratings ("ratedAt")'],
  },
  {
    name: 'orders',
    columns: ['orderNumber', 'orderDate', 'status', 'customerNumber'],
    ddl: `CREATE TABLE orders (
      "orderNumber" integer NOT NULL,
      "orderDate" timestamp NOT NULL,
      "status" varchar(15) NOT NULL,
      "customerNumber" integer NOT NULL
    )`,
    after: ['ALTER TABLE orders ADD PRIMARY KEY ("orderNumber")', 'CREATE INDEX orders_order_date ON orders ("orderDate")'],
  },
  {
    name: 'orderdetails',
    columns: ['orderNumber', 'orderLineNumber', 'productCode', 'quantityOrdered', 'priceEach'],
    ddl: `CREATE TABLE orderdetails (
      "orderNumber" integer NOT NULL,
      "orderLineNumber" smallint NOT NULL,
      "productCode" varchar(15) NOT NULL,
      "quantityOrdered" integer NOT NULL,
      "priceEach" numeric(10,2) NOT NULL
    )`,
    after: ['ALTER TABLE orderdetails ADD PRIMARY KEY ("orderNumber", "orderLineNumber")'],
  },
];
