import { afterEach, describe, expect, it } from 'vitest'
import { localDateOf, localDateString, todayInShanghai } from './time'

// Node applies a TZ set at run time, so these run as a browser in another time zone would.
const originalTz = process.env.TZ

describe('Shanghai dates in a browser of another time zone', () => {
  afterEach(() => { process.env.TZ = originalTz })

  it('todayInShanghai_LosAngelesEvening_IsTheNextShanghaiDay', () => {
    process.env.TZ = 'America/Los_Angeles'
    // 2026-12-02 20:00 in Los Angeles is 2026-12-03 12:00 in Shanghai.
    const now = new Date('2026-12-03T04:00:00Z')
    expect(now.getDate()).toBe(2)
    expect(todayInShanghai(now)).toBe('2026-12-03')
  })

  it('localDateOf_AnyZone_KeepsTheShanghaiDayForLocalWidgets', () => {
    for (const tz of ['America/Los_Angeles', 'Asia/Shanghai', 'Pacific/Kiritimati', 'UTC']) {
      process.env.TZ = tz
      const d = localDateOf('2026-03-01')
      expect([d.getFullYear(), d.getMonth(), d.getDate()]).toEqual([2026, 2, 1])
      expect(localDateString(d)).toBe('2026-03-01')
    }
  })
})
