// Strings of the recording and playback pages (录像库, 录像详情, 播放计划, 投影播放).
export const recordingsText = {
  section: '录像与播放',
  library: '录像库',
  schedules: '播放计划',
  detailTitle: '录像详情',
  town: '乡镇(街道)',
  village: '村(社区)',
  kind: '会议类型',
  dates: '录制日期',
  keyword: '会议名称',
  keywordPlaceholder: '输入名称关键字',
  meeting: '会议名称',
  site: '召开单位',
  startedAt: '开始录制',
  stoppedAt: '结束录制',
  duration: '时长',
  size: '文件大小',
  files: '文件数',
  composite: '合成视频',
  recovered: '异常中断后恢复',
  play: '播放',
  download: '下载',
  player: '会议录像（合成画面与混音）',
  tracks: '分轨文件',
  trackName: '文件',
  trackParticipant: '参会方',
  trackKind: '类型',
  trackCodec: '编码',
  trackStart: '起始偏移',
  audio: '音频',
  video: '视频',
  noComposite: '合成视频尚未生成，可先播放分轨文件。',
  compositeFailed: '合成视频生成失败（分轨文件已保留）：',
  compositeRendering: '合成视频正在生成，请稍后刷新。',
  trackPlayer: '分轨播放',
  back: '返回录像库',
  node: '媒体服务器节点',
  room: '会议室编号',
} as const

export const compositeStateLabels: Record<string, string> = {
  pending: '等待生成',
  rendering: '生成中',
  done: '已生成',
  failed: '生成失败',
}

/** 1536000 -> "1.5 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`
}

/** 3725000 ms -> "1:02:05". */
export function formatMs(ms: number): string {
  const s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0')
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`
}

export const projectorText = {
  title: '投影播放',
  waiting: '等待播放计划开始',
  playing: '正在播放',
  connecting: '正在连接媒体服务器…',
  failed: '无法连接：',
  unmute: '点击开启声音',
} as const

export const schedulesText = {
  courseware: '课件',
  upload: '上传课件',
  uploadHint: '支持 MP4、WebM，上传后自动转码一次',
  chooseFile: '选择文件',
  noFileChosen: '未选择文件',
  coursewareTitle: '课件名称',
  state: '状态',
  progress: '转码进度',
  scheduleList: '播放计划',
  create: '新建播放计划',
  title: '计划名称',
  source: '播放内容',
  sourceCourseware: '课件',
  sourceRecording: '录像',
  recordingId: '录像编号',
  targets: '播放站点',
  targetTown: '按乡镇(街道)：其下所有村',
  targetSites: '指定村(社区)',
  when: '播放时间',
  once: '一次',
  cron: '周期（Cron）',
  cronHint: '5 段：分 时 日 月 周，如 0 20 * * * 表示每天 20:00（北京时间）',
  startAt: '开始时间',
  loops: '连播次数',
  nextRun: '下次播放',
  lastRun: '上次播放',
  lastResult: '结果',
  enabled: '启用',
  finished: '已结束',
  remove: '删除',
  removeConfirm: '确定删除该播放计划？',
  saved: '已保存',
} as const

export const coursewareStateLabels: Record<string, string> = {
  transcoding: '转码中',
  ready: '可播放',
  failed: '导入失败',
}
