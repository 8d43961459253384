/**
 * A deterministic classicmodels-like data set. Same options (and seed, and `until`) -> same rows.
 *
 * Ratings are not noise: each customer picks products with probability proportional to a Zipf
 * popularity times exp(affinity), and rates them by the same affinity plus the product's hidden
 * quality. Affinity comes only from features the model sees (country, credit limit, product line,
 * scale, price), so a content-based model can learn it, and popularity is a real baseline.
 */
import type { CsvSink } from '../../core/demo-data';
import { mulberry32 } from '../../core/seeded-random';

export interface GenerateOptions {
  readonly customers: number;
  readonly products: number;
  readonly ratings: number;
  readonly orders: number;
  readonly days: number;
  readonly seed: number;
  /** Exclusive end of the data (epoch ms, on the hour): every timestamp is before it. */
  readonly untilMs: number;
}

const CHUNK_ROWS = 250_000;

function gaussian(rand: () => number): number {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

/** Index drawn from a cumulative weight array. */
function drawCdf(cdf: Float64Array, rand: () => number): number {
  const x = rand() * cdf[cdf.length - 1];
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const csvText = (s: string | null): string => (s === null ? '' : /[",\n\r]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s);
const ts = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

// classicmodels' countries, cities and states; weights roughly follow its customer table.
const PLACES: readonly { country: string; weight: number; cities: readonly [string, string | null][] }[] = [
  { country: 'USA', weight: 30, cities: [['San Francisco', 'CA'], ['NYC', 'NY'], ['Boston', 'MA'], ['Los Angeles', 'CA'], ['Las Vegas', 'NV'], ['Philadelphia', 'PA'], ['Chicago', 'IL'], ['New Haven', 'CT']] },
  { country: 'France', weight: 12, cities: [['Paris', null], ['Nantes', null], ['Lyon', null], ['Marseille', null], ['Strasbourg', null]] },
  { country: 'Spain', weight: 7, cities: [['Madrid', null], ['Barcelona', null], ['Sevilla', null]] },
  { country: 'Australia', weight: 6, cities: [['Melbourne', 'Victoria'], ['Sydney', 'NSW'], ['Glen Waverly', 'Victoria']] },
  { country: 'Germany', weight: 8, cities: [['Berlin', null], ['Frankfurt', null], ['Munich', null], ['Cologne', null]] },
  { country: 'UK', weight: 6, cities: [['London', null], ['Liverpool', null], ['Manchester', null]] },
  { country: 'Japan', weight: 4, cities: [['Tokyo', 'Tokyo'], ['Osaka', 'Osaka']] },
  { country: 'Italy', weight: 5, cities: [['Milan', null], ['Torino', null], ['Bergamo', null]] },
  { country: 'Norway', weight: 3, cities: [['Oslo', null], ['Bergen', null]] },
  { country: 'Finland', weight: 3, cities: [['Helsinki', null], ['Oulu', null]] },
  { country: 'Denmark', weight: 3, cities: [['Copenhagen', null], ['Aarhus', null]] },
  { country: 'Canada', weight: 5, cities: [['Vancouver', 'BC'], ['Montreal', 'Quebec'], ['Tsawassen', 'BC']] },
  { country: 'Singapore', weight: 3, cities: [['Singapore', null]] },
  { country: 'Sweden', weight: 3, cities: [['Stockholm', null], ['Lulea', null]] },
];

const LINES: readonly { line: string; scales: readonly string[]; makes: readonly string[] }[] = [
  { line: 'Classic Cars', scales: ['1:10', '1:12', '1:18', '1:24'], makes: ['Ferrari', 'Porsche', 'Jaguar', 'Chevrolet', 'Mercedes-Benz', 'Aston Martin', 'Lamborghini'] },
  { line: 'Motorcycles', scales: ['1:10', '1:12', '1:18', '1:24', '1:32', '1:50'], makes: ['Harley Davidson', 'Ducati', 'Honda', 'BMW', 'Triumph', 'Moto Guzzi'] },
  { line: 'Planes', scales: ['1:24', '1:72', '1:700'], makes: ['Boeing', 'Spitfire', 'P-51 Mustang', 'Corsair', 'Douglas DC-3', 'Concorde'] },
  { line: 'Ships', scales: ['1:72', '1:700'], makes: ['Titanic', 'Queen Mary', 'HMS Bounty', 'USS Constitution', 'Mayflower', 'Pirate Ship'] },
  { line: 'Trains', scales: ['1:32', '1:50'], makes: ['Union Pacific', 'Orient Express', 'Flying Scotsman', 'Collectable Wooden Train', 'Steam Locomotive'] },
  { line: 'Trucks and Buses', scales: ['1:12', '1:18', '1:24', '1:50'], makes: ['Ford', 'Mack', 'Volvo', 'Greyhound', 'Dodge', 'Peterbilt'] },
  { line: 'Vintage Cars', scales: ['1:18', '1:24', '1:32'], makes: ['Bugatti', 'Rolls-Royce', 'Model T', 'Duesenberg', 'Packard', 'Hispano-Suiza'] },
];
const SCALES = ['1:10', '1:12', '1:18', '1:24', '1:32', '1:50', '1:72', '1:700'];
const VENDORS = [
  'Min Lin Diecast', 'Classic Metal Creations', 'Highway 66 Mini Classics', 'Red Start Diecast', 'Motor City Art Classics',
  'Second Gear Diecast', 'Autoart Studio Design', 'Welly Diecast Productions', 'Unimax Art Galleries', 'Studio M Art Models',
  'Exoto Designs', 'Gearbox Collectibles', 'Carousel DieCast Legends',
];
const NAME_A = ['Atelier', 'Signal', 'Australian', 'La Rochelle', 'Baane', 'Mini', 'Land of', 'Euro+', 'Volvo', 'Danish', 'Saveley', 'Dragon', 'Muscle', 'Diecast', 'Technics', 'Handji', 'Herkku', 'Royal', 'Toys4', 'Corporate'];
const NAME_B = ['Gift Stores', 'Collectors', 'Gifts', 'Mini Imports', 'Wholesale', 'Model Replicas', 'Toys', 'Souvenirs', 'Classics', 'Auto Replicas', 'Imports', 'Stores', 'Collectables', 'Shopping Channel'];
const NAME_C = ['Co.', 'Ltd.', 'Inc.', '& Co', 'GmbH', 'Corp.', 'AB', 'Oy', 'S.A.', 'Ltd'];
const STATUSES = ['Shipped', 'Shipped', 'Shipped', 'Shipped', 'Shipped', 'Shipped', 'Resolved', 'Cancelled', 'On Hold', 'Disputed'];

interface Customer {
  readonly number: number;
  readonly country: number;
  readonly credit: number | null;
  readonly group: number;
}
interface Product {
  readonly code: string;
  readonly line: number;
  readonly scale: number;
  readonly msrp: number;
  readonly quality: number;
}

const CREDIT_BUCKETS = 5;
const CREDIT_MAX = 150_000;

/** Generates every table, streaming CSV chunks to `sink` in load order. */
export async function generateSourceData(o: GenerateOptions, sink: CsvSink): Promise<void> {
  const rand = mulberry32(o.seed);
  const spanMs = o.days * 86_400_000;
  const startMs = o.untilMs - spanMs;

  // Hidden preferences: a taste per (country, line) and (country, scale), and a price taste by credit.
  const linePref = PLACES.map(() => LINES.map(() => gaussian(rand)));
  const scalePref = PLACES.map(() => SCALES.map(() => 0.5 * gaussian(rand)));

  // Customers.
  const placeCdf = new Float64Array(PLACES.length);
  PLACES.reduce((acc, p, i) => (placeCdf[i] = acc + p.weight), 0);
  const customers: Customer[] = [];
  let rows: string[] = [];
  const flush = async (table: string) => {
    if (rows.length) await sink(table, rows.join(''), rows.length);
    rows = [];
  };
  for (let i = 0; i < o.customers; i++) {
    const country = drawCdf(placeCdf, rand);
    const [city, state] = pick(rand, PLACES[country].cities);
    const credit = rand() < 0.05 ? null : Math.round(Math.min(CREDIT_MAX - 100, Math.exp(10.6 + 0.6 * gaussian(rand))) / 100) * 100;
    const bucket = credit === null ? 1 : Math.min(CREDIT_BUCKETS - 1, Math.floor((credit / CREDIT_MAX) * CREDIT_BUCKETS));
    const number = 103 + i;
    customers.push({ number, country, credit, group: country * CREDIT_BUCKETS + bucket });
    const name = `${pick(rand, NAME_A)} ${pick(rand, NAME_B)} ${pick(rand, NAME_C)}`;
    const postal = rand() < 0.03 ? null : String(10000 + Math.floor(rand() * 89999));
    rows.push(`${number},${csvText(name)},${csvText(city)},${csvText(state)},${csvText(postal)},${csvText(PLACES[country].country)},${credit === null ? '' : credit.toFixed(2)}\n`);
  }
  await flush('customers');

  // Products.
  const products: Product[] = [];
  for (let i = 0; i < o.products; i++) {
    const line = Math.floor(rand() * LINES.length);
    const scaleName = pick(rand, LINES[line].scales);
    const scale = SCALES.indexOf(scaleName);
    // Bigger models (1:10) cost more than tiny ones (1:700).
    const buy = Math.round((15 + 70 * rand() * (1 - scale / (SCALES.length + 2)) + 10 * rand()) * 100) / 100;
    const msrp = Math.round(buy * (1.4 + 0.8 * rand()) * 100) / 100;
    const code = `S${scaleName.split(':')[1]}_${1000 + i}`;
    const make = pick(rand, LINES[line].makes);
    const name = `${1930 + Math.floor(rand() * 75)} ${make} ${['Replica', 'Model', 'Classic', 'Limited Edition', 'Collector'][i % 5]}`;
    const vendor = pick(rand, VENDORS);
    const desc = `${scaleName} scale ${LINES[line].line.toLowerCase()} replica of the ${make}, detailed die-cast with opening parts.`;
    const stock = Math.floor(rand() * 9999);
    products.push({ code, line, scale, msrp, quality: 0.4 * gaussian(rand) });
    rows.push(`${code},${csvText(name)},${csvText(LINES[line].line)},${scaleName},${csvText(vendor)},${csvText(desc)},${stock},${buy.toFixed(2)},${msrp.toFixed(2)}\n`);
  }
  await flush('products');

  // Affinity of each (country, credit bucket) group for each product, and the group's choice CDF.
  const msrps = products.map((p) => p.msrp);
  const minP = Math.min(...msrps);
  const maxP = Math.max(...msrps);
  const popRank = products.map((_, i) => i);
  for (let i = popRank.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [popRank[i], popRank[j]] = [popRank[j], popRank[i]];
  }
  const popularity = new Float64Array(o.products);
  popRank.forEach((item, rank) => (popularity[item] = 1 / Math.pow(rank + 1, 0.9)));
  const groups = PLACES.length * CREDIT_BUCKETS;
  const affinity: Float64Array[] = [];
  const cdfs: Float64Array[] = [];
  for (let g = 0; g < groups; g++) {
    const country = Math.floor(g / CREDIT_BUCKETS);
    const creditNorm = ((g % CREDIT_BUCKETS) + 0.5) / CREDIT_BUCKETS;
    const aff = new Float64Array(o.products);
    const cdf = new Float64Array(o.products);
    let acc = 0;
    for (let i = 0; i < o.products; i++) {
      const p = products[i];
      const priceNorm = (p.msrp - minP) / Math.max(1, maxP - minP);
      aff[i] = 0.8 * linePref[country][p.line] + scalePref[country][p.scale] + 3 * (creditNorm - 0.5) * (priceNorm - 0.5);
      acc += popularity[i] * Math.exp(1.3 * aff[i]);
      cdf[i] = acc;
    }
    affinity.push(aff);
    cdfs.push(cdf);
  }

  // Ratings: how many each customer gives (lognormal activity), then which products, then the stars.
  const maxK = Math.floor(o.products * 0.6);
  const activity = customers.map(() => Math.exp(0.6 * gaussian(rand)));
  const total = activity.reduce((a, b) => a + b, 0);
  const counts = activity.map((a) => Math.min(maxK, Math.floor((o.ratings * a) / total)));
  let missing = o.ratings - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; missing > 0; i = (i + 1) % counts.length) {
    if (counts[i] < maxK) {
      counts[i]++;
      missing--;
    }
  }
  const taken = new Uint8Array(o.products);
  const chosen: number[] = [];
  for (let c = 0; c < customers.length; c++) {
    const cust = customers[c];
    const cdf = cdfs[cust.group];
    const aff = affinity[cust.group];
    chosen.length = 0;
    for (let attempts = 0; chosen.length < counts[c] && attempts < counts[c] * 30; attempts++) {
      const item = drawCdf(cdf, rand);
      if (!taken[item]) {
        taken[item] = 1;
        chosen.push(item);
      }
    }
    // Rare: the popular head is exhausted; fill with the group's next best products.
    if (chosen.length < counts[c]) {
      const order = Array.from(aff.keys()).sort((a, b) => aff[b] - aff[a]);
      for (const item of order) {
        if (chosen.length >= counts[c]) break;
        if (!taken[item]) {
          taken[item] = 1;
          chosen.push(item);
        }
      }
    }
    for (const item of chosen) {
      taken[item] = 0;
      const stars = Math.max(1, Math.min(5, Math.round(3.3 + 0.9 * aff[item] + products[item].quality + 0.6 * gaussian(rand))));
      const at = startMs + Math.floor(rand() * spanMs / 1000) * 1000;
      rows.push(`${cust.number},${products[item].code},${stars},${ts(at)}\n`);
    }
    if (rows.length >= CHUNK_ROWS) await flush('ratings');
  }
  await flush('ratings');

  // Orders and their lines: recent hours are busier, so hourly analytics always have data.
  const lineRows: string[] = [];
  const activityCdf = new Float64Array(customers.length);
  activity.reduce((acc, a, i) => (activityCdf[i] = acc + a), 0);
  for (let n = 0; n < o.orders; n++) {
    const cust = customers[drawCdf(activityCdf, rand)];
    const at = o.untilMs - 1000 - Math.floor(Math.pow(rand(), 1.5) * (spanMs - 1000) / 1000) * 1000;
    const status = at > o.untilMs - 2 * 86_400_000 ? 'In Process' : pick(rand, STATUSES);
    const orderNumber = 10100 + n;
    rows.push(`${orderNumber},${ts(at)},${status},${cust.number}\n`);
    const lines = 1 + Math.floor(rand() * 6);
    chosen.length = 0;
    for (let attempts = 0; chosen.length < lines && attempts < 50; attempts++) {
      const item = drawCdf(cdfs[cust.group], rand);
      if (!chosen.includes(item)) chosen.push(item);
    }
    chosen.forEach((item, k) => {
      const price = Math.round(products[item].msrp * (0.75 + 0.25 * rand()) * 100) / 100;
      lineRows.push(`${orderNumber},${k + 1},${products[item].code},${10 + Math.floor(rand() * 50)},${price.toFixed(2)}\n`);
    });
    if (rows.length >= CHUNK_ROWS) await flush('orders');
    if (lineRows.length >= CHUNK_ROWS) {
      await sink('orderdetails', lineRows.join(''), lineRows.length);
      lineRows.length = 0;
    }
  }
  await flush('orders');
  if (lineRows.length) await sink('orderdetails', lineRows.join(''), lineRows.length);
}
