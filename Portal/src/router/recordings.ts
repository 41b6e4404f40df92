// Recording and playback area: OWNED BY THE RECORDING ISSUE (录像库, 播放计划). Read by the router and menu the
// same way as live.ts; replace the placeholders with the real pages.
import type { RouteRecordRaw } from 'vue-router'
import { Film } from '@element-plus/icons-vue'
import { recordingsText } from '@/locale/recordings'

const placeholder = () => import('@/views/recordings/RecordingsPlaceholder.vue')

export const recordingsSection: RouteRecordRaw = {
  path: 'recordings',
  meta: { title: recordingsText.section, icon: Film, roles: ['county_admin', 'town_admin', 'village_operator'] },
  redirect: '/recordings/library',
  children: [
    { path: 'library', name: 'recordings-library', component: placeholder, meta: { title: recordingsText.library } },
    { path: 'schedules', name: 'recordings-schedules', component: placeholder, meta: { title: recordingsText.schedules } },
  ],
}
