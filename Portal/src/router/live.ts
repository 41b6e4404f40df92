// The 视频会议 live area: OWNED BY THE LIVE PAGES (branch portal-live). The Portal's router and menu read this
// file only: `liveSection` is mounted inside the admin layout (side menu, breadcrumbs) and its children become
// the 视频会议 submenu (meta.title/icon/roles/hidden); `liveStandaloneRoutes` are full-screen pages outside the
// layout (the TV terminal at 1920x1080, the phone page at 390x844); a menu child may redirect to one of them.
import type { RouteRecordRaw } from 'vue-router'
import { VideoCamera } from '@element-plus/icons-vue'
import { liveText } from '@/locale/live'

export const liveSection: RouteRecordRaw = {
  path: 'live',
  meta: { title: liveText.section, icon: VideoCamera },
  redirect: '/live/console',
  children: [
    // First for a lecturer: its home page after login.
    { path: 'lecture', name: 'live-lecture', component: () => import('@/views/live/LecturerView.vue'), meta: { title: liveText.lecture, roles: ['expert_lecturer'] } },
    { path: 'console', name: 'live-console', component: () => import('@/views/live/HostConsole.vue'), meta: { title: liveText.console, roles: ['county_admin', 'town_admin'] } },
    { path: 'patrol', name: 'live-patrol', component: () => import('@/views/live/PatrolView.vue'), meta: { title: liveText.patrol, roles: ['county_admin', 'town_admin'] } },
    { path: 'listen', name: 'live-listen', component: () => import('@/views/live/ListenIn.vue'), meta: { title: liveText.listen, roles: ['county_admin', 'town_admin'] } },
    { path: 'open-terminal', redirect: '/terminal', meta: { title: liveText.terminal, roles: ['county_admin', 'town_admin', 'village_operator'] } },
    { path: 'open-phone', redirect: '/phone', meta: { title: liveText.phone } },
  ],
}

export const liveStandaloneRoutes: RouteRecordRaw[] = [
  { path: '/terminal', name: 'live-terminal', component: () => import('@/views/live/VillageTerminal.vue'), meta: { title: liveText.terminal, roles: ['county_admin', 'town_admin', 'village_operator'] } },
  { path: '/phone', name: 'live-phone', component: () => import('@/views/live/PhoneEmergency.vue'), meta: { title: liveText.phone } },
]
