// Strings of the 视频会议 live pages. Owned by the live pages (branch portal-live); the placeholders below
// only name the menu entries until those pages land.
export const liveText = {
  section: '视频会议',
  console: '主持控制台',
  patrol: '视频巡查',
  listen: '远程旁听',
  terminal: '村级终端',
  phone: '手机应急直播',
} as const
