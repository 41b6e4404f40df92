import { createRouter, createWebHistory, type RouteRecordRaw, type RouteLocationNormalized } from 'vue-router'
import './types'
import { useAuthStore } from '@/stores/auth'
import { common } from '@/locale/common'
import { navText } from '@/locale/nav'
import { liveSection, liveStandaloneRoutes } from './live'
import { recordingsSection, recordingsStandaloneRoutes } from './recordings'
import { buildMenu, firstPath } from '@/layout/menu'
import { attendanceSection, dashboardSection, disclosuresSection, meetingsSection, searchSection, systemSection } from './sections'

/** Menu order of the sections inside the layout. */
export const menuSections: RouteRecordRaw[] = [
  dashboardSection,
  meetingsSection,
  attendanceSection,
  liveSection,
  recordingsSection,
  searchSection,
  disclosuresSection,
  systemSection,
]

/** The first page the logged-in role may open. */
export function homePath(): string {
  const auth = useAuthStore()
  return firstPath(buildMenu(menuSections, roles => auth.may(roles)))
}

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/login/LoginView.vue'), meta: { title: navText.login, public: true } },
  ...liveStandaloneRoutes,
  ...recordingsStandaloneRoutes,
  {
    path: '/',
    name: 'layout',
    component: () => import('@/layout/AppLayout.vue'),
    children: [
      { path: '', name: 'home', redirect: () => homePath(), meta: { hidden: true } },
      ...menuSections,
      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('@/views/errors/NotFound.vue'), meta: { title: navText.notFound, hidden: true } },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

/** True when every matched record allows the current role. */
export function allowed(to: RouteLocationNormalized): boolean {
  const auth = useAuthStore()
  return to.matched.every(r => auth.may(r.meta.roles))
}

router.beforeEach(to => {
  const auth = useAuthStore()
  if (to.meta.public) return true
  if (!auth.loggedIn) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (!allowed(to)) return { name: 'not-found', params: { pathMatch: to.path.slice(1).split('/') }, query: { denied: '1' } }
  return true
})

router.afterEach(to => {
  const title = to.meta.title
  document.title = title ? `${title} - ${common.product}` : common.product
})
