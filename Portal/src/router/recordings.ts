// Recording and playback area (录像库, 播放计划). Read by the router and menu the same way as live.ts.
import type { RouteRecordRaw } from 'vue-router'
import { Film } from '@element-plus/icons-vue'
import { projectorText, recordingsText } from '@/locale/recordings'

export const recordingsSection: RouteRecordRaw = {
  path: 'recordings',
  meta: { title: recordingsText.section, icon: Film, roles: ['county_admin', 'town_admin', 'village_operator'] },
  redirect: '/recordings/library',
  children: [
    { path: 'library', name: 'recordings-library', component: () => import('@/views/recordings/RecordingList.vue'), meta: { title: recordingsText.library } },
    { path: 'library/:id', name: 'recording-detail', component: () => import('@/views/recordings/RecordingDetail.vue'),
      meta: { title: recordingsText.detailTitle, hidden: true } },
    { path: 'schedules', name: 'recordings-schedules', component: () => import('@/views/recordings/PlaybackSchedules.vue'), meta: { title: recordingsText.schedules } },
    { path: 'open-projector', redirect: '/projector', meta: { title: projectorText.title } },
  ],
}

/** Full-screen pages outside the layout: the projector (TV) page. */
export const recordingsStandaloneRoutes: RouteRecordRaw[] = [
  { path: '/projector', name: 'projector', component: () => import('@/views/recordings/ProjectorPage.vue'),
    meta: { title: projectorText.title, roles: ['county_admin', 'town_admin', 'village_operator'] } },
]
