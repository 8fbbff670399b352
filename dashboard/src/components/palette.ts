/** Series colours (distinguishable, dark enough for white gaps); "Other" is always grey. */
export const PALETTE = [
  "#1f5fbf",
  "#e07b00",
  "#2e9d5b",
  "#c2185b",
  "#7b50c2",
  "#00838f",
  "#8d6e00",
  "#5d4037",
];
export const OTHER_COLOR = "#9aa3ae";

export function colorAt(i: number, isOther = false): string {
  return isOther ? OTHER_COLOR : (PALETTE[i % PALETTE.length] ?? OTHER_COLOR);
}
