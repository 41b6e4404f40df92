import { describe, expect, it } from 'vitest'
import { effectScope } from 'vue'
import { ApiError } from '@/api/problem'
import { useLatest, useLoad } from './useLoad'

/** A promise the test settles by hand, plus the AbortSignal the call got. */
interface Pending<T> { resolve: (v: T) => void; reject: (e: unknown) => void; signal: AbortSignal; arg: string }

function controlled<T>() {
  const calls: Pending<T>[] = []
  const fetch = (signal: AbortSignal, arg: string) => new Promise<T>((resolve, reject) => calls.push({ resolve, reject, signal, arg }))
  return { calls, fetch }
}

describe('useLoad', () => {
  it('load_OlderAnswerLandsLast_Dropped', async () => {
    const { calls, fetch } = controlled<string>()
    const applied: string[] = []
    const { load, loading, error } = useLoad(fetch, (v: string, arg: string) => applied.push(`${arg}=${v}`))

    const first = load('town')
    const second = load('village')
    expect(calls.map((c) => c.arg)).toEqual(['town', 'village'])
    calls[1].resolve('village devices')
    await second
    expect(applied).toEqual(['village=village devices'])
    expect(loading.value).toBe(false)

    calls[0].resolve('town devices') // the slower, older answer arrives last
    await first
    expect(applied).toEqual(['village=village devices'])
    expect(error.value).toBe('')
    expect(loading.value).toBe(false)
  })

  it('load_OlderCallAbortedAndItsErrorDropped', async () => {
    const { calls, fetch } = controlled<string>()
    const applied: string[] = []
    const { load, loading, error } = useLoad(fetch, (v: string) => applied.push(v))

    const first = load('a')
    const second = load('b')
    expect(calls[0].signal.aborted).toBe(true)
    expect(calls[1].signal.aborted).toBe(false)
    calls[0].reject(new ApiError(500, null, '服务器错误'))
    await first
    expect(error.value).toBe('')
    expect(loading.value).toBe(true) // the latest call is still running

    calls[1].resolve('b answer')
    await second
    expect(applied).toEqual(['b answer'])
    expect(loading.value).toBe(false)
  })

  it('load_LatestFails_ErrorShownAndEarlierAnswerNotApplied', async () => {
    const { calls, fetch } = controlled<string>()
    const applied: string[] = []
    const { load, loading, error } = useLoad(fetch, (v: string) => applied.push(v))

    const first = load('a')
    const second = load('b')
    calls[1].reject(new ApiError(403, null, '没有权限'))
    await second
    expect(error.value).toBe('没有权限')
    expect(loading.value).toBe(false)
    calls[0].resolve('a answer')
    await first
    expect(applied).toEqual([])
    expect(error.value).toBe('没有权限')
  })

  it('load_OneCall_AppliedAndLoadingFollowsIt', async () => {
    const { calls, fetch } = controlled<number>()
    let rows = 0
    const { load, loading } = useLoad(fetch, (v: number) => { rows = v })
    const p = load('x')
    expect(loading.value).toBe(true)
    calls[0].resolve(7)
    await p
    expect(rows).toBe(7)
    expect(loading.value).toBe(false)
  })

  it('scopeDisposed_AnswerInFlightNeverApplied', async () => {
    const { calls, fetch } = controlled<string>()
    const applied: string[] = []
    const scope = effectScope()
    const api = scope.run(() => useLoad(fetch, (v: string) => applied.push(v)))!
    const p = api.load('a')
    scope.stop() // the page closes
    expect(calls[0].signal.aborted).toBe(true)
    calls[0].resolve('late')
    await p
    expect(applied).toEqual([])
    expect(api.loading.value).toBe(false)
  })
})

describe('useLatest', () => {
  it('current_OnlyTheLastTicket', () => {
    const latest = useLatest()
    const a = latest.begin()
    const b = latest.begin()
    expect(latest.current(a)).toBe(false)
    expect(latest.current(b)).toBe(true)
  })
})
