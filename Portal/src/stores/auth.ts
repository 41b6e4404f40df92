// The session: who is logged in, with which role and home site. Kept in localStorage so a reload keeps it.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, call, configureApi, type Schemas } from '@/api/client'

export type Role = 'county_admin' | 'town_admin' | 'village_operator' | 'expert_lecturer'
export const ADMINS: Role[] = ['county_admin', 'town_admin']
export const STAFF: Role[] = ['county_admin', 'town_admin', 'village_operator']

const KEY = 'mediacore.portal.session'

interface Session { token: string; expiresAt: string; user: Schemas['UserDto'] }

function load(): Session | null {
  try {
    const raw = localStorage.getItem(KEY)
    if (!raw) return null
    const s = JSON.parse(raw) as Session
    return new Date(s.expiresAt).getTime() > Date.now() ? s : null
  } catch {
    return null
  }
}

export const useAuthStore = defineStore('auth', () => {
  const session = ref<Session | null>(load())
  const expiredNotice = ref(false)

  const user = computed(() => session.value?.user ?? null)
  const role = computed(() => (session.value?.user.role ?? null) as Role | null)
  const loggedIn = computed(() => session.value !== null && new Date(session.value.expiresAt).getTime() > Date.now())
  const isCountyAdmin = computed(() => role.value === 'county_admin')
  const isAdmin = computed(() => role.value !== null && ADMINS.includes(role.value))
  const isStaff = computed(() => role.value !== null && STAFF.includes(role.value))

  function may(roles: readonly Role[] | undefined): boolean {
    return !roles || (role.value !== null && roles.includes(role.value))
  }

  async function login(userName: string, password: string): Promise<void> {
    const res = await call(api.POST('/api/auth/login', { body: { userName, password } }))
    session.value = { token: res.token, expiresAt: res.expiresAt, user: res.user }
    expiredNotice.value = false
    localStorage.setItem(KEY, JSON.stringify(session.value))
  }

  function logout(expired = false): void {
    session.value = null
    expiredNotice.value = expired
    localStorage.removeItem(KEY)
  }

  return { session, user, role, loggedIn, isCountyAdmin, isAdmin, isStaff, expiredNotice, may, login, logout }
})

/** Connects the API client to the store; on a 401 the session ends and the router shows the login page. */
export function installAuth(onExpired: () => void): void {
  const store = useAuthStore()
  configureApi(() => store.session?.token ?? null, () => {
    if (store.session) {
      store.logout(true)
      onExpired()
    }
  })
}
