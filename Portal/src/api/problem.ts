// API errors (RFC 9457 ProblemDetails) turned into Chinese messages for the user.
import { fieldLabels, problemDetails, problemText } from '@/locale/common'

export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  errors?: Record<string, string[]>
}

function isProblem(x: unknown): x is Problem {
  return typeof x === 'object' && x !== null && ('status' in x || 'title' in x || 'errors' in x)
}

function fieldName(key: string): string {
  // "events[3].personId" -> "personId"
  const last = key.split('.').pop() ?? key
  return fieldLabels[last] ?? last
}

/** The Chinese message for an HTTP status and its ProblemDetails body. */
export function problemMessage(status: number, problem: Problem | null): string {
  const known = problem?.detail ? problemDetails[problem.detail] : undefined
  if (status === 400 && problem?.errors && Object.keys(problem.errors).length > 0) {
    const parts = Object.entries(problem.errors).map(([k, msgs]) => {
      const text = msgs.map(m => problemDetails[m] ?? m).join('；')
      return `${fieldName(k)}：${text}`
    })
    return `${problemText.badRequest}（${parts.join('，')}）`
  }
  if (known) return known
  switch (status) {
    case 0: return problemText.network
    case 400: return problemText.badRequest
    case 401: return problemText.unauthorized
    case 403: return problemText.forbidden
    case 404: return problemText.notFound
    case 409: return problemText.conflict
    case 413: return problemText.tooLarge
    case 415: return problemText.unsupported
    case 422: return problemText.unprocessable
    case 429: return problemText.tooMany
    default: return status >= 500 ? problemText.server : problemText.unknown(status)
  }
}

/** An API call that failed; `message` is Chinese and ready to show. */
export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem | null

  constructor(status: number, problem: Problem | null, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
  }

  static from(status: number, body: unknown): ApiError {
    const problem = isProblem(body) ? body : null
    return new ApiError(status, problem, problemMessage(status, problem))
  }

  static network(cause: unknown): ApiError {
    const e = new ApiError(0, null, problemText.network)
    e.cause = cause
    return e
  }
}

/** The Chinese message of any error thrown by an API call. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message
  return problemText.server
}
