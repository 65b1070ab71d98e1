// Numbers as people write them, by the rules of custos.core.units (the same test vectors pin both):
// EUR 1.77 bn, 95%, 2.1 × 10^26 FLOP, 2026-12-02 20:36 UTC.

export const MISSING = "—";
const SCALES = [[1e12, "tn"], [1e9, "bn"], [1e6, "m"]];
const SIGNIFICANT = 3;
// Decimal units, as storage is sold and as a deposit's size is quoted.
const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

function value(input) {
  if (input === null || input === undefined || input === "") return null;
  const figure = Number(input);
  return Number.isFinite(figure) ? figure : null;
}

function grouped(figure, decimals) {
  return figure.toLocaleString("en", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

function trimmed(text) {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

function significant(figure, digits = SIGNIFICANT) {
  if (figure === 0) return "0";
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(figure))));
  return trimmed(grouped(figure, decimals));
}

/** A plain figure grouped by thousands, at most `digits` decimals (12,345.6). */
export function number(input, digits = 2) {
  const figure = value(input);
  if (figure === null) return MISSING;
  const text = trimmed(grouped(figure, digits));
  return text === "-0" || text === "" ? "0" : text;
}

/** A whole count grouped by thousands (1,871). */
export function count(input) {
  const figure = value(input);
  return figure === null ? MISSING : grouped(Math.round(figure), 0);
}

/** An amount with its currency, scaled above a million: EUR 950.25, EUR 12,345, EUR 1.77 bn. */
/** A size in bytes in decimal units to three significant digits: 950 B, 14.2 GB, 1.5 TB. */
export function size(input) {
  let figure = value(input);
  if (figure === null) return MISSING;
  let unit = 0;
  while (unit < BYTE_UNITS.length - 1 && Number(figure.toPrecision(3)) >= 1000) {
    figure /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? count(figure) : significant(figure)} ${BYTE_UNITS[unit]}`;
}

export function money(amount, currency) {
  const figure = value(amount);
  if (figure === null) return MISSING;
  const sign = figure < 0 ? "-" : "";
  const size = Math.abs(figure);
  for (const [scale, word] of SCALES) {
    if (Number((size / scale).toFixed(SIGNIFICANT)) >= 1) return `${currency} ${sign}${significant(size / scale)} ${word}`;
  }
  return `${currency} ${sign}${size >= 1000 ? grouped(size, 0) : grouped(size, 2)}`;
}

/** An amount owed or paid, exact to the cent, rounded half up: EUR 69,292.83, EUR 2,500.50.
 * Worked on the decimal text (the API sends amounts as text) so a large sum loses no cent. */
export function cents(amount, currency) {
  if (amount === null || amount === undefined || amount === "") return MISSING;
  let text = String(amount).trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) {
    const figure = Number(text);
    if (!Number.isFinite(figure)) return MISSING;
    text = figure.toFixed(3);
  }
  const [, sign, whole, fraction = ""] = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  const hundredths = (BigInt(whole + fraction.padEnd(3, "0").slice(0, 3)) + 5n) / 10n;
  const grouped = (hundredths / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const rest = (hundredths % 100n).toString().padStart(2, "0");
  return `${currency} ${sign && hundredths > 0n ? "-" : ""}${grouped}.${rest}`;
}

/** A share as a percentage: 0.95 → 95%, 0.999 → 99.9%, 0.00012 → 0.012%. */
export function percent(share) {
  const figure = value(share);
  if (figure === null) return MISSING;
  const hundred = figure * 100;
  if (hundred === 0) return "0%";
  if (Math.abs(hundred) >= 1) return `${number(hundred, 1)}%`;
  return `${significant(hundred, 2)}%`;
}

/** A large or small figure as a power of ten: 2.1 × 10^26; ordinary sizes stay plain. */
export function scientific(input) {
  const figure = value(input);
  if (figure === null) return MISSING;
  if (figure === 0) return "0";
  let exponent = Math.floor(Math.log10(Math.abs(figure)));
  let mantissa = Number((figure / 10 ** exponent).toFixed(SIGNIFICANT - 1));
  if (Math.abs(mantissa) >= 10) {
    mantissa /= 10;
    exponent += 1;
  }
  if (exponent >= -3 && exponent < 6) return Math.abs(figure) < 1000 ? significant(figure) : number(figure, 0);
  return `${significant(mantissa)} × 10^${exponent}`;
}

/** Training compute: 3.8 × 10^25 FLOP. */
export function flop(input) {
  const text = scientific(input);
  return text === MISSING ? text : `${text} FLOP`;
}

/** A moment in UTC to the minute, with its zone: 2026-12-02 20:36 UTC. */
export function timestamp(input) {
  if (input === null || input === undefined || input === "") return MISSING;
  const text = String(input);
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(text) || !text.includes("T") ? text : `${text}Z`;
  const date = new Date(zoned.includes("T") || zoned.includes(" ") ? zoned : `${zoned}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return text;
  return `${date.toISOString().replace("T", " ").slice(0, 16)} UTC`;
}

/** A duration: 0.42 s, 20.3 s, 2 min 5 s, 1 h 4 min. */
export function seconds(input) {
  const figure = value(input);
  if (figure === null) return MISSING;
  if (figure < 60) return `${significant(figure)} s`;
  let minutes = Math.floor(Math.round(figure) / 60);
  const rest = Math.round(figure) % 60;
  if (minutes < 60) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  minutes %= 60;
  return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
}
