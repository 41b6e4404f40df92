// The side menu, derived from the route records (menuSections): a section with children becomes a submenu,
// a section without children one entry. Entries the current role may not open are left out.
import type { Component } from 'vue'
import type { RouteRecordRaw } from 'vue-router'
import type { Role } from '@/stores/auth'

export interface MenuEntry {
  path: string
  title: string
  icon?: Component
  children: MenuEntry[]
}

function join(base: string, path: string): string {
  if (path.startsWith('/')) return path
  return `${base.replace(/\/$/, '')}/${path}`
}

/** Menu entries for a role (null: logged out, nothing). */
export function buildMenu(sections: RouteRecordRaw[], may: (roles: readonly Role[] | undefined) => boolean): MenuEntry[] {
  const out: MenuEntry[] = []
  for (const s of sections) {
    if (!s.meta?.title || s.meta.hidden || !may(s.meta.roles)) continue
    const base = join('/', s.path)
    const children = (s.children ?? [])
      .filter(c => c.meta?.title && !c.meta.hidden && !c.path.includes(':') && may(c.meta.roles))
      .map(c => ({ path: join(base, c.path), title: c.meta!.title!, icon: c.meta!.icon, children: [] }))
    if (s.children && s.children.length > 0 && children.length === 0) continue
    out.push({ path: base, title: s.meta.title, icon: s.meta.icon, children })
  }
  return out
}

/** The first page a role may open: where "/" and a fresh login lead. */
export function firstPath(menu: MenuEntry[]): string {
  const first = menu[0]
  if (!first) return '/login'
  return first.children[0]?.path ?? first.path
}
