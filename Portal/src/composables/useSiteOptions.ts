// Towns and villages in the user's scope, for filter selects; the site tree is fetched once per session.
import { computed, ref } from 'vue'
import { api, call, type Schemas } from '@/api/client'

type Node = Schemas['SiteNode']
const tree = ref<Node[]>([])
let loading: Promise<void> | null = null

function walk(nodes: Node[], out: Node[] = []): Node[] {
  for (const n of nodes) { out.push(n); walk(n.children, out) }
  return out
}

export function useSiteOptions() {
  if (!loading) {
    loading = call(api.GET('/api/sites/tree')).then(t => { tree.value = t }).catch(e => { loading = null; throw e })
  }
  const all = computed(() => walk(tree.value))
  const towns = computed(() => all.value.filter(n => n.kind === 'town' || n.kind === 'subDistrict'))
  const villages = computed(() => all.value.filter(n => n.kind === 'village' || n.kind === 'community'))
  function villagesOf(townId: number | null | undefined): Node[] {
    if (!townId) return villages.value
    return towns.value.find(t => t.id === townId)?.children.filter(c => c.kind === 'village' || c.kind === 'community') ?? []
  }
  return { tree, all, towns, villages, villagesOf, ready: loading }
}

/** Forget the cached tree (logout, or after adding a site). */
export function resetSiteOptions(): void {
  tree.value = []
  loading = null
}
