// The loading flag and the Chinese error of one page's fetch, with only the latest answer applied.
// `load()` calls `fetch` (with an AbortSignal for the API client), shows the spinner while it runs and hands the answer to
// `apply`, or puts the reason of a failure (ProblemDetails in Chinese, see api/problem.ts) in `error` for the page's alert.
// A page reloads after every filter, page or selection change; when a second `load()` starts before the first answered,
// the first is aborted and whatever it still returns (answer or error) is dropped, so a slower, older answer can never
// overwrite a newer one (the stale-answer class of bug). `loading` stays true until the latest call settles.
import { getCurrentScope, onScopeDispose, ref } from 'vue'
import { errorMessage } from '@/api/problem'

// `load(...args)` passes its arguments to `fetch` and `apply` (a clicked site, a chosen meeting).
export function useLoad<T, A extends unknown[] = []>(fetch: (signal: AbortSignal, ...args: A) => Promise<T>,
  apply: (value: T, ...args: A) => void) {
  const loading = ref(false)
  const error = ref('')
  let latest = 0
  let inFlight: AbortController | null = null

  async function load(...args: A): Promise<void> {
    const mine = ++latest
    inFlight?.abort()
    const controller = new AbortController()
    inFlight = controller
    loading.value = true
    error.value = ''
    try {
      const value = await fetch(controller.signal, ...args)
      if (mine === latest) apply(value, ...args)
    } catch (e) {
      if (mine === latest) error.value = errorMessage(e)
    } finally {
      if (mine === latest) {
        loading.value = false
        inFlight = null
      }
    }
  }

  /** Drops the call in flight (the page closes): its answer is never applied. */
  function cancel(): void {
    latest++
    inFlight?.abort()
    inFlight = null
    loading.value = false
  }

  if (getCurrentScope()) onScopeDispose(cancel)
  return { loading, error, load, cancel }
}

/**
 * The same guard for pages that load by hand (a selection, a poll): `begin()` before the await returns a ticket;
 * `current(ticket)` after it says whether this is still the latest call, so an older answer can be dropped.
 */
export function useLatest() {
  let latest = 0
  return {
    begin: (): number => ++latest,
    current: (ticket: number): boolean => ticket === latest,
  }
}
