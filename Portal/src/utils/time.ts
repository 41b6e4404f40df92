// The one place that turns API times into text: every time is shown in Asia/Shanghai, whatever the
// browser's own time zone, and dates sent to the API are Shanghai calendar days.
export const TIME_ZONE = 'Asia/Shanghai'

const partsFormat = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

interface Parts { year: string; month: string; day: string; hour: string; minute: string; second: string }

function parts(value: string | number | Date): Parts | null {
  const d = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(d.getTime())) return null
  const out: Record<string, string> = {}
  for (const p of partsFormat.formatToParts(d)) out[p.type] = p.value
  return out as unknown as Parts
}

/** "2026-11-26 10:00" in Shanghai; "—" for null. */
export function formatDateTime(value: string | null | undefined, withSeconds = false): string {
  if (!value) return '—'
  const p = parts(value)
  if (!p) return '—'
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${withSeconds ? ':' + p.second : ''}`
}

/** "2026-11-26" in Shanghai. A plain date ("2026-11-26") is returned as it is. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—'
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const p = parts(value)
  return p ? `${p.year}-${p.month}-${p.day}` : '—'
}

/** "10:00:05" in Shanghai. */
export function formatTime(value: string | null | undefined): string {
  if (!value) return '—'
  const p = parts(value)
  return p ? `${p.hour}:${p.minute}:${p.second}` : '—'
}

/** "2026年11月" from "2026-11". */
export function formatMonth(month: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month)
  return m ? `${m[1]}年${Number(m[2])}月` : month
}

/** Minutes as "1小时25分钟". */
export function formatDuration(minutes: number | null | undefined): string {
  if (minutes == null) return '—'
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return h > 0 ? `${h}小时${m}分钟` : `${m}分钟`
}

/** Today's date in Shanghai, "yyyy-MM-dd". */
export function todayInShanghai(now: Date = new Date()): string {
  const p = parts(now)!
  return `${p.year}-${p.month}-${p.day}`
}

/** This month in Shanghai, "yyyy-MM". */
export function currentMonth(now: Date = new Date()): string {
  return todayInShanghai(now).slice(0, 7)
}

/** Start of a Shanghai day as an ISO instant with offset, for the API's from/to. */
export function dayStart(date: string): string {
  return `${date}T00:00:00+08:00`
}

/** Start of the day after `date` (exclusive end of a range). */
export function nextDayStart(date: string): string {
  const d = new Date(`${date}T00:00:00+08:00`)
  d.setUTCDate(d.getUTCDate() + 1)
  return dayStart(todayInShanghai(d))
}

/** Shanghai date shifted by whole days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00+08:00`)
  d.setUTCDate(d.getUTCDate() + days)
  return todayInShanghai(d)
}

/**
 * A Shanghai calendar date ("yyyy-MM-dd") as a Date at the browser's local midnight of the same year, month and day,
 * for widgets that lay out days from the browser's local fields (el-calendar): the cell shown is the Shanghai date
 * whatever the browser's time zone.
 */
export function localDateOf(date: string): Date {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(y, m - 1, d)
}

/** The inverse of localDateOf: the local year, month and day of `d` as "yyyy-MM-dd". */
export function localDateString(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** A rate 0..1 as "87.5%". */
export function formatPercent(rate: number | null | undefined, digits = 1): string {
  if (rate == null || Number.isNaN(rate)) return '—'
  return `${(rate * 100).toFixed(digits)}%`
}
