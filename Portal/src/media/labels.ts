import type { SessionState } from './session'

/** Chinese name of a session state, as the pages show it. */
export function stateText(state: SessionState): string {
  switch (state) {
    case 'idle': return '未连接'
    case 'connecting': return '正在连接'
    case 'connected': return '已连接'
    case 'reconnecting': return '正在重连'
    case 'failed': return '连接失败'
    case 'closed': return '已退出'
  }
}

/** Element Plus tag type of a state. */
export function stateTagType(state: SessionState): 'success' | 'warning' | 'danger' | 'info' | 'primary' {
  switch (state) {
    case 'connected': return 'success'
    case 'connecting': return 'primary'
    case 'reconnecting': return 'warning'
    case 'failed': return 'danger'
    default: return 'info'
  }
}
