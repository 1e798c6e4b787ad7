/**
 * Form-like text that prose lacks: names, dates, times, amounts, quantities,
 * phone numbers, addresses and references, joined by labels and short words
 * ("Date: 3 March 1998, paid 12.50 to Mr. J. Smith"). Open word classes
 * (first names, surnames, streets, towns) are divided between splits by a hash
 * of the word (1/8 test, 1/8 val, the rest train; the same word lands in the
 * same split in every list), so held-out lines never reuse a training name;
 * closed classes (months, units, labels) are shared.
 */
import type { Rng } from '../../../core/rng.js';
import type { CorpusPart } from '../sentence_generator.js';

const FIRST_NAMES = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara', 'Richard', 'Susan',
  'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Daniel', 'Nancy', 'Matthew', 'Lisa', 'Anthony', 'Betty', 'Mark', 'Margaret',
  'Paul', 'Sandra', 'Steven', 'Ashley', 'Andrew', 'Emily', 'Kenneth', 'Donna', 'George', 'Michelle', 'Edward', 'Carol', 'Brian', 'Amanda',
  'Ronald', 'Dorothy', 'Timothy', 'Melissa', 'Jason', 'Deborah', 'Oliver', 'Grace', 'Henry', 'Alice', 'Arthur', 'Florence', 'Walter', 'Edith',
  'Harold', 'Agnes', 'Albert', 'Mabel', 'Frank', 'Ruth', 'Samuel', 'Clara', 'Ernest', 'Ada', 'Louis', 'Irene', 'Hugh', 'Vera', 'Felix', 'Nora',
];
const SURNAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor', 'Thomas', 'Moore', 'Martin', 'Jackson',
  'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams',
  'Nelson', 'Hill', 'Campbell', 'Mitchell', 'Roberts', 'Carter', 'Phillips', 'Evans', 'Turner', 'Parker', 'Collins', 'Edwards', 'Stewart',
  "O'Brien", 'Morris', 'Murphy', 'Cook', 'Rogers', 'Morgan', 'Cooper', 'Peterson', 'Reed', 'Bailey', 'Bell', 'Kelly', 'Howard', 'Ward', 'Cox',
  'Richardson', 'Wood', 'Watson', 'Brooks', 'Bennett', 'Gray', 'Hughes', 'Porter', 'Sanders', 'Fletcher', 'Lloyd-Jones', 'McDonald', 'Fitzgerald',
];
const STREETS = [
  'Baker', 'High', 'Church', 'Mill', 'Station', 'Park', 'Victoria', 'Green', 'Manor', 'Kings', 'Queens', 'Elm', 'Oak', 'Maple', 'Cedar', 'Pine',
  'Hill', 'Lake', 'River', 'Bridge', 'Castle', 'Market', 'North', 'South', 'West', 'East', 'Chapel', 'School', 'Spring', 'Cherry', 'Willow',
  'Albert', 'Grove', 'Orchard', 'Meadow', 'Forest', 'Windsor', 'York', 'Lincoln', 'Garden', 'Harbour', 'Crown', 'Abbey', 'Broad', 'Union',
  'Franklin', 'Washington', 'Jefferson',
];
const TOWNS = [
  'London', 'Oxford', 'Cambridge', 'Bristol', 'Leeds', 'York', 'Bath', 'Chester', 'Dover', 'Durham', 'Exeter', 'Norwich', 'Glasgow', 'Dublin',
  'Cardiff', 'Belfast', 'Boston', 'Denver', 'Austin', 'Portland', 'Seattle', 'Chicago', 'Houston', 'Phoenix', 'Dallas', 'Albany', 'Salem',
  'Springfield', 'Madison', 'Trenton', 'Toronto', 'Ottawa', 'Sydney', 'Perth', 'Auckland', 'Wellington', 'Brighton', 'Reading', 'Kendal',
  'Ipswich', 'Lincoln', 'Hereford', 'Truro', 'Whitby', 'Ely', 'Wells', 'Derby', 'Hull',
];
const STATES = ['NY', 'CA', 'TX', 'MA', 'IL', 'OR', 'WA', 'CO', 'NJ', 'OH', 'PA', 'VA'];
const STREET_KINDS = ['Street', 'St.', 'Road', 'Rd.', 'Lane', 'Avenue', 'Ave.', 'Close', 'Drive', 'Place', 'Square', 'Way', 'Terrace', 'Court'];
const TITLES = ['Mr.', 'Mrs.', 'Ms.', 'Dr.', 'Mr', 'Mrs', 'Miss', 'Prof.', 'Rev.', 'Sir'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const MONTHS_SHORT = ['Jan.', 'Feb.', 'Mar.', 'Apr.', 'May', 'Jun.', 'Jul.', 'Aug.', 'Sept.', 'Oct.', 'Nov.', 'Dec.'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', 'Mon.', 'Tue.', 'Wed.', 'Thu.', 'Fri.', 'Sat.', 'Sun.'];
const UNITS = ['kg', 'g', 'lb', 'lbs', 'oz', 'km', 'm', 'cm', 'mm', 'mi', 'ft', 'in.', 'ml', 'l', 'pints', 'gallons', 'mph', 'km/h', 'hrs', 'min', 'sec', 'acres', 'tons', 'pages', 'copies', 'boxes', 'items', 'units'];
const CURRENCIES = ['USD', 'EUR', 'GBP', 'CHF', 'CAD', 'AUD'];
const MONEY_WORDS = ['dollars', 'pounds', 'euros', 'cents', 'pence', 'shillings', 'francs'];
const LABELS = ['Name:', 'Date:', 'Tel.', 'Tel:', 'Phone:', 'Total:', 'Amount:', 'Address:', 'Re:', 'Ref.', 'NOTE:', 'Note:', 'P.S.', 'To:', 'From:', 'Time:', 'Qty:', 'Price:', 'Paid:', 'Due:', 'No.', 'Item', 'Room', 'Order #', 'Account:', 'Signed:', 'Dear', 'Attn:', 'Subject:', 'Balance:'];
const LINKS = ['and', 'or', 'to', 'from', 'at', 'on', 'by', 'for', 'with', 'paid', 'received', 'sent', 'call', 'see', 'meet', 'due', 'before', 'after', 'until', 'about', 'per', 'each', 'only', 'approx.', 'c/o', 'incl.', 'plus', 'less', 'total', 'rent', 'deposit', 'invoice', 'cheque', 'receipt', 'balance', 'order', 'visit', 'lunch', 'train', 'flight'];
const SEPARATORS = [' ', ' ', ' ', ', ', ', ', '; ', ' - ', ' / ', ': ', '. '];
const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII', 'XIV', 'XIX', 'XX', 'XL', 'L', 'C', 'MCMXII'];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The split an open-class word belongs to: FNV-1a hash of the word, mod 8 (7 test, 6 val, else train). */
export function wordPart(word: string): CorpusPart {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193) >>> 0;
  const r = h % 8;
  return r === 7 ? 'test' : r === 6 ? 'val' : 'train';
}

/** The words of an open class that belong to `part` (all when undefined). */
export function partOf(words: readonly string[], part: CorpusPart | undefined): string[] {
  return part ? words.filter((w) => wordPart(w) === part) : [...words];
}

/** The open word classes, divided between splits by `wordPart`. */
export const OPEN_CLASSES: Readonly<Record<'first' | 'last' | 'streets' | 'towns', readonly string[]>> = { first: FIRST_NAMES, last: SURNAMES, streets: STREETS, towns: TOWNS };

export class StructuredText {
  private readonly first: string[];
  private readonly last: string[];
  private readonly streets: string[];
  private readonly towns: string[];
  private readonly allowed: ReadonlySet<string>;
  private readonly kinds: readonly ((rng: Rng) => string)[];

  /** `characters`: the vocabulary; items with other characters are dropped. */
  constructor(characters: readonly string[], part?: CorpusPart) {
    this.first = partOf(FIRST_NAMES, part);
    this.last = partOf(SURNAMES, part);
    this.streets = partOf(STREETS, part);
    this.towns = partOf(TOWNS, part);
    this.allowed = new Set([...characters, ' ']);
    this.kinds = [
      (r) => this.name(r),
      (r) => this.name(r),
      (r) => this.date(r),
      (r) => this.date(r),
      (r) => this.time(r),
      (r) => this.amount(r),
      (r) => this.amount(r),
      (r) => this.quantity(r),
      (r) => this.phone(r),
      (r) => this.address(r),
      (r) => this.address(r),
      (r) => this.reference(r),
      (r) => this.number(r),
      (r) => this.number(r),
    ];
  }

  /**
   * Items, labels and linking words joined by separators, about `target`
   * characters long and never longer than `maxLength` (a lone item longer than
   * that is cut at a space, else at `maxLength`). Empty only if nothing fits.
   */
  line(target: number, maxLength: number, rng: Rng): string {
    let out = '';
    for (let tries = 0; out.length < target && tries < 40; tries++) {
      const piece = this.piece(rng);
      if (piece === '') continue;
      const sep = out === '' ? '' : rng.pick(SEPARATORS);
      const next = out + sep + piece;
      if (next.length <= maxLength) out = next;
      else if (out === '') out = cutAtSpace(piece, maxLength);
      else if (target - out.length < 4) break;
    }
    return out.trim();
  }

  /** One item, or a label or linking word followed by one. */
  private piece(rng: Rng): string {
    const item = this.item(rng);
    const roll = rng.next();
    const text = roll < 0.2 ? `${rng.pick(LABELS)} ${item}` : roll < 0.45 ? `${rng.pick(LINKS)} ${item}` : item;
    return [...text].every((c) => this.allowed.has(c)) ? text : '';
  }

  item(rng: Rng): string {
    return rng.pick(this.kinds)(rng);
  }

  private name(r: Rng): string {
    const first = r.pick(this.first);
    const last = r.pick(this.last);
    switch (r.int(0, 6)) {
      case 0: return `${r.pick(TITLES)} ${first} ${last}`;
      case 1: return `${first.charAt(0)}. ${last}`;
      case 2: return `${r.pick(TITLES)} ${first.charAt(0)}. ${r.pick(LETTERS.split(''))}. ${last}`;
      case 3: return `${last.toUpperCase()}, ${first}`;
      case 4: return `${last}, ${first.charAt(0)}.`;
      case 5: return `${r.pick(TITLES)} ${last}`;
      default: return `${first} ${last}`;
    }
  }

  private date(r: Rng): string {
    const day = r.int(1, 28);
    const month = r.int(1, 12);
    const year = r.next() < 0.7 ? r.int(1850, 2030) : r.int(0, 99);
    const yy = String(year % 100).padStart(2, '0');
    const name = MONTHS[month - 1] as string;
    switch (r.int(0, 9)) {
      case 0: return `${day}/${month}/${year}`;
      case 1: return `${String(day).padStart(2, '0')}/${String(month).padStart(2, '0')}/${yy}`;
      case 2: return `${day} ${name} ${year}`;
      case 3: return `${name} ${day}, ${year}`;
      case 4: return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
      case 5: return `${MONTHS_SHORT[month - 1]} ${day}`;
      case 6: return `${r.pick(DAYS)} ${day} ${MONTHS_SHORT[month - 1]}`;
      case 7: return `${day}.${month}.${yy}`;
      case 8: return `${ordinal(day)} of ${name}`;
      default: return `${name} ${year}`;
    }
  }

  private time(r: Rng): string {
    const h = r.int(0, 23);
    const m = String(r.pick([0, 5, 10, 15, 20, 30, 40, 45, 50, r.int(0, 59)])).padStart(2, '0');
    switch (r.int(0, 3)) {
      case 0: return `${h}:${m}`;
      case 1: return `${(h % 12) + 1}.${m} ${h < 12 ? 'am' : 'pm'}`;
      case 2: return `${(h % 12) + 1} o'clock`;
      default: return `${String(h).padStart(2, '0')}${m} hrs`;
    }
  }

  private amount(r: Rng): string {
    const whole = r.next() < 0.6 ? r.int(0, 99) : r.next() < 0.8 ? r.int(100, 9999) : r.int(10000, 999999);
    const cents = String(r.int(0, 99)).padStart(2, '0');
    const grouped = grouped3(whole);
    switch (r.int(0, 6)) {
      case 0: return `${grouped}.${cents}`;
      case 1: return `${r.pick(CURRENCIES)} ${grouped}.${cents}`;
      case 2: return `${whole} ${r.pick(MONEY_WORDS)}`;
      case 3: return `(${grouped}.${cents})`;
      case 4: return `-${whole}.${cents}`;
      case 5: return `${grouped},-`;
      default: return `${whole}.${cents} ${r.pick(CURRENCIES)}`;
    }
  }

  private quantity(r: Rng): string {
    const n = r.next() < 0.5 ? String(r.int(1, 500)) : `${r.int(0, 99)}.${r.int(0, 9)}`;
    switch (r.int(0, 4)) {
      case 0: return `${r.int(1, 12)} x ${r.int(1, 99)}`;
      case 1: return `${r.int(1, 9)}/${r.pick([2, 3, 4, 8, 10])} ${r.pick(UNITS)}`;
      case 2: return `${r.int(1, 20)}-${r.int(21, 60)} ${r.pick(UNITS)}`;
      default: return `${n} ${r.pick(UNITS)}`;
    }
  }

  private phone(r: Rng): string {
    const d = (n: number) => Array.from({ length: n }, () => r.int(0, 9)).join('');
    switch (r.int(0, 3)) {
      case 0: return `(${d(3)}) ${d(3)}-${d(4)}`;
      case 1: return `+${r.int(1, 49)} ${d(2)} ${d(4)} ${d(4)}`;
      case 2: return `0${d(3)} ${d(3)} ${d(4)}`;
      default: return `${d(3)}-${d(4)}`;
    }
  }

  private address(r: Rng): string {
    const street = `${r.pick(this.streets)} ${r.pick(STREET_KINDS)}`;
    const postcode = () => `${r.pick(LETTERS.split(''))}${r.pick(LETTERS.split(''))}${r.int(1, 20)} ${r.int(1, 9)}${r.pick(LETTERS.split(''))}${r.pick(LETTERS.split(''))}`;
    switch (r.int(0, 5)) {
      case 0: return `${r.int(1, 299)} ${street}`;
      case 1: return `No. ${r.int(1, 99)}, ${street}`;
      case 2: return `Apt. ${r.int(1, 40)}, ${r.int(1, 999)} ${street}`;
      case 3: return `${r.pick(this.towns)}, ${r.pick(STATES)} ${r.int(10000, 99999)}`;
      case 4: return `${r.pick(this.towns)} ${postcode()}`;
      default: return `${r.int(1, 99)}${r.pick(['', 'A', 'B', 'a'])} ${street}, ${r.pick(this.towns)}`;
    }
  }

  private reference(r: Rng): string {
    const L = () => r.pick(LETTERS.split(''));
    switch (r.int(0, 7)) {
      case 0: return `Ref: ${L()}${L()}-${r.int(100, 9999)}/${r.int(10, 99)}`;
      case 1: return `Invoice #${r.int(100, 99999)}`;
      case 2: return `p. ${r.int(1, 600)}`;
      case 3: return `pp. ${r.int(1, 300)}-${r.int(301, 600)}`;
      case 4: return `Vol. ${r.pick(ROMAN)}`;
      case 5: return `Chapter ${r.pick(ROMAN)}`;
      case 6: return `Fig. ${r.int(1, 30)}${r.pick(['', 'a', 'b', '(c)'])}`;
      default: return `#${r.int(1, 999)}`;
    }
  }

  private number(r: Rng): string {
    switch (r.int(0, 7)) {
      case 0: return String(r.int(0, 9));
      case 1: return String(r.int(10, 999));
      case 2: return grouped3(r.int(1000, 99999));
      case 3: return `${r.int(0, 99)}.${r.int(0, 999)}`;
      case 4: return ordinal(r.int(1, 120));
      case 5: return `${r.int(1, 99)} per cent`;
      case 6: return `${r.int(1, 9)}/${r.int(2, 16)}`;
      default: return `${r.int(1, 12)}) ${r.int(1, 99)}`;
    }
  }
}

/** Thousands separated by commas (not toLocaleString: its output depends on the ICU build). */
function grouped3(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** `text` cut to at most `max` characters, at the last space when there is one. */
export function cutAtSpace(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max + 1).lastIndexOf(' ');
  return (cut > 0 ? text.slice(0, cut) : text.slice(0, max)).trimEnd();
}
