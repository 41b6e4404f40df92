import type { Component } from 'vue'
import type { Role } from '@/stores/auth'

declare module 'vue-router' {
  interface RouteMeta {
    /** Chinese title: menu entry, breadcrumb and document title. */
    title?: string
    /** Element Plus icon component of the menu entry. */
    icon?: Component
    /** Roles that may open the route (and see its menu entry); every matched record is checked. */
    roles?: readonly Role[]
    /** Not shown in the menu (detail pages, redirects). */
    hidden?: boolean
    /** Reachable without logging in. */
    public?: boolean
  }
}

export {}
