// Strings of the recording and playback pages (the recording issue replaces the placeholders).
export const recordingsText = {
  section: '录像与播放',
  library: '录像库',
  schedules: '播放计划',
} as const
