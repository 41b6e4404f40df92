// The loading flag and the Chinese error of one page's fetch: `load()` runs the task, shows the spinner while it runs
// and puts the reason of a failure (ProblemDetails in Chinese, see api/problem.ts) in `error` for the page's alert.
import { ref } from 'vue'
import { errorMessage } from '@/api/problem'

export function useLoad(task: () => Promise<void>) {
  const loading = ref(false)
  const error = ref('')
  async function load(): Promise<void> {
    loading.value = true
    error.value = ''
    try {
      await task()
    } catch (e) {
      error.value = errorMessage(e)
    } finally {
      loading.value = false
    }
  }
  return { loading, error, load }
}
