import type { BillResult } from './wechat-pay.interfaces';

/** Splits one CSV line (WeChat's bills quote nothing; values may carry a leading backtick). */
function cells(line: string): string[] {
  return line.split(',').map((cell) => cell.trim().replace(/^`/, ''));
}

/**
 * Parses a WeChat Pay bill (trade bill or fund flow): a header line, data lines whose values are
 * prefixed with a backtick, then a summary header line and one summary line.
 * @internal
 */
export function parseBill(text: string): BillResult {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  if (lines.length < 3) return { header: lines[0] ? cells(lines[0]) : [], rows: [], summaryHeader: [], summary: {}, text };
  const header = cells(lines[0]);
  const summaryHeader = cells(lines[lines.length - 2]);
  const summaryValues = cells(lines[lines.length - 1]);
  const rows = lines.slice(1, -2).map((line) => {
    const values = cells(line);
    return Object.fromEntries(header.map((name, i) => [name, values[i] ?? '']));
  });
  return { header, rows, summaryHeader, summary: Object.fromEntries(summaryHeader.map((name, i) => [name, summaryValues[i] ?? ''])), text };
}
