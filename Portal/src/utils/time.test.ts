import { afterEach, describe, expect, it, vi } from 'vitest'
import { localDateOf, localDateString, todayInShanghai } from './time'

// Node applies a TZ set at run time (vi.stubEnv), so these run as a browser in another time zone would.

describe('Shanghai dates in a browser of another time zone', () => {
  afterEach(() => { vi.unstubAllEnvs() })

  it('todayInShanghai_LosAngelesEvening_IsTheNextShanghaiDay', () => {
    vi.stubEnv('TZ', 'America/Los_Angeles')
    // 2026-12-02 20:00 in Los Angeles is 2026-12-03 12:00 in Shanghai.
    const now = new Date('2026-12-03T04:00:00Z')
    expect(now.getDate()).toBe(2)
    expect(todayInShanghai(now)).toBe('2026-12-03')
  })

  it('localDateOf_AnyZone_KeepsTheShanghaiDayForLocalWidgets', () => {
    for (const tz of ['America/Los_Angeles', 'Asia/Shanghai', 'Pacific/Kiritimati', 'UTC']) {
      vi.stubEnv('TZ', tz)
      const d = localDateOf('2026-03-01')
      expect([d.getFullYear(), d.getMonth(), d.getDate()]).toEqual([2026, 2, 1])
      expect(localDateString(d)).toBe('2026-03-01')
    }
  })
})
