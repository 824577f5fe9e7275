export const formatName = (u: { first: string; last: string }) => `${u.first} ${u.last}`;
export function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
export type Id = string;
