// The Portal's own areas, mounted inside the admin layout. Each top-level record is a menu section; its
// children are the submenu entries. Menu visibility and route access both come from meta.roles.
import type { RouteRecordRaw } from 'vue-router'
import { Calendar, DataBoard, Files, Search, Setting, Stamp } from '@element-plus/icons-vue'
import { navText as N } from '@/locale/nav'
import { ADMINS, STAFF } from '@/stores/auth'

export const dashboardSection: RouteRecordRaw = {
  path: 'dashboard', name: 'dashboard', component: () => import('@/views/dashboard/DashboardView.vue'),
  meta: { title: N.dashboard, icon: DataBoard, roles: STAFF },
}

export const meetingsSection: RouteRecordRaw = {
  path: 'meetings',
  meta: { title: N.meetings, icon: Calendar, roles: STAFF },
  redirect: '/meetings/list',
  children: [
    { path: 'list', name: 'meetings', component: () => import('@/views/meetings/MeetingList.vue'), meta: { title: N.meetingList } },
    { path: ':id(\\d+)', name: 'meeting-detail', component: () => import('@/views/meetings/MeetingDetail.vue'), meta: { title: N.meetingDetail, hidden: true } },
    { path: 'schedule', name: 'meeting-schedule', component: () => import('@/views/meetings/MeetingSchedule.vue'), meta: { title: N.meetingSchedule } },
    { path: 'calendar', name: 'meeting-calendar', component: () => import('@/views/meetings/WorkingDayCalendar.vue'), meta: { title: N.meetingCalendar } },
    { path: 'compliance', name: 'meeting-compliance', component: () => import('@/views/meetings/MeetingCompliance.vue'), meta: { title: N.meetingCompliance, roles: ADMINS } },
    { path: 'stats', name: 'meeting-stats', component: () => import('@/views/meetings/MeetingStats.vue'), meta: { title: N.meetingStats, roles: ADMINS } },
  ],
}

export const attendanceSection: RouteRecordRaw = {
  path: 'attendance',
  meta: { title: N.attendance, icon: Stamp, roles: STAFF },
  redirect: '/attendance/live',
  children: [
    { path: 'live', name: 'attendance-live', component: () => import('@/views/attendance/LiveFeed.vue'), meta: { title: N.attendanceLive } },
    { path: 'records', name: 'attendance-records', component: () => import('@/views/attendance/CheckInRecords.vue'), meta: { title: N.attendanceRecords } },
    { path: 'daily', name: 'attendance-daily', component: () => import('@/views/attendance/DailyDuty.vue'), meta: { title: N.attendanceDaily } },
    { path: 'rates', name: 'attendance-rates', component: () => import('@/views/attendance/CadreRates.vue'), meta: { title: N.attendanceRates } },
    { path: 'visits', name: 'attendance-visits', component: () => import('@/views/attendance/FirstSecretaryVisits.vue'), meta: { title: N.attendanceVisits, roles: ADMINS } },
    { path: 'rankings', name: 'attendance-rankings', component: () => import('@/views/attendance/Rankings.vue'), meta: { title: N.attendanceRankings, roles: ADMINS } },
  ],
}

export const searchSection: RouteRecordRaw = {
  path: 'search', name: 'search', component: () => import('@/views/search/SearchView.vue'),
  meta: { title: N.search, icon: Search, roles: STAFF },
}

export const disclosuresSection: RouteRecordRaw = {
  path: 'disclosures',
  meta: { title: N.disclosures, icon: Files, roles: STAFF },
  redirect: '/disclosures/gallery',
  children: [
    { path: 'gallery', name: 'disclosure-gallery', component: () => import('@/views/disclosures/DisclosureGallery.vue'), meta: { title: N.disclosureGallery } },
    { path: 'upload', name: 'disclosure-upload', component: () => import('@/views/disclosures/DisclosureUpload.vue'), meta: { title: N.disclosureUpload } },
    { path: 'missing', name: 'disclosure-missing', component: () => import('@/views/disclosures/DisclosureMissing.vue'), meta: { title: N.disclosureMissing, roles: ADMINS } },
  ],
}

export const systemSection: RouteRecordRaw = {
  path: 'system',
  meta: { title: N.system, icon: Setting, roles: STAFF },
  redirect: '/system/sites',
  children: [
    { path: 'sites', name: 'system-sites', component: () => import('@/views/system/SitesView.vue'), meta: { title: N.sites, roles: ADMINS } },
    { path: 'people', name: 'system-people', component: () => import('@/views/system/PeopleView.vue'), meta: { title: N.people } },
    { path: 'users', name: 'system-users', component: () => import('@/views/system/UsersView.vue'), meta: { title: N.users, roles: ADMINS } },
  ],
}

