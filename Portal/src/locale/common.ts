// Shared Chinese strings: product name, enum labels, generic actions and the Chinese text of API errors.
// Enum label maps are typed by the API's enums, so a renamed or added value fails the type-check.
import type { Schemas } from '@/api/client'

export const common = {
  product: '平阴县党建e管理平台',
  productShort: '党建e管理',
  county: '平阴县',
  search: '查询',
  reset: '重置',
  refresh: '刷新',
  save: '保存',
  cancel: '取消',
  confirm: '确定',
  submit: '提交',
  close: '关闭',
  detail: '详情',
  actions: '操作',
  all: '全部',
  none: '无',
  yes: '是',
  no: '否',
  loading: '加载中…',
  empty: '暂无数据',
  exportXlsx: '导出Excel',
  exportCsv: '导出CSV',
  exporting: '正在导出…',
  exported: '导出完成',
  logout: '退出登录',
  changePassword: '修改密码',
  currentPassword: '当前密码',
  newPassword: '新密码',
  passwordChanged: '密码已修改',
  collapseMenu: '收起菜单',
  expandMenu: '展开菜单',
  home: '首页',
  placeholderTitle: '功能建设中',
  placeholderText: '该页面由相应模块提供，正在建设中。',
  notFoundTitle: '页面不存在',
  notFoundText: '您访问的页面不存在，或您没有权限查看。',
  backHome: '返回首页',
  forbidden: '您的账号没有使用该功能的权限。',
  saved: '保存成功',
  town: '乡镇(街道)',
  village: '村(社区)',
  site: '站点',
  dateRange: '日期范围',
  startDate: '开始日期',
  endDate: '结束日期',
  month: '月份',
  total: (n: number) => `共 ${n} 条`,
  minutes: '分钟',
  people: '人',
  times: '次',
} as const

export const roleLabels: Record<string, string> = {
  county_admin: '县级管理员',
  town_admin: '镇(街道)管理员',
  village_operator: '村级操作员',
  expert_lecturer: '授课专家',
}

export const siteKindLabels: Record<Schemas['SiteKind'], string> = {
  county: '县',
  town: '镇',
  subDistrict: '街道',
  village: '村',
  community: '社区',
}

export const meetingKindLabels: Record<Schemas['MeetingKind'], string> = {
  partyMemberAssembly: '支部党员大会',
  branchCommittee: '支委会',
  partyGroupMeeting: '党小组会',
  partyLesson: '党课',
  committeeDay: '村"两委"议事日',
  themeDay: '党员主题活动日',
  disclosureDay: '党务村务财务公开日',
  plenary: '全县大会',
  partial: '局部视频会议',
  lecture: '远程授课',
  emergency: '应急直播',
}

export const reviewLabels: Record<Schemas['ReviewStatus'], string> = {
  pending: '待审核',
  approved: '已通过',
  rejected: '已驳回',
}

export const personRoleLabels: Record<Schemas['PersonRole'], string> = {
  secretary: '党组织书记',
  director: '村委会主任',
  committeeMember: '两委委员',
  firstSecretary: '第一书记',
  partyMember: '党员',
}

export const checkInMethodLabels: Record<Schemas['CheckInMethod'], string> = {
  fingerprint: '指纹',
  face: '人脸',
}

export const deviceKindLabels: Record<Schemas['DeviceKind'], string> = {
  camera: '摄像机',
  terminal: '会议终端',
  attendanceMachine: '考勤机',
  projector: '投影机',
}

export const disclosureCategoryLabels: Record<Schemas['DisclosureCategory'], string> = {
  partyAffairs: '党务公开',
  villageAffairs: '村务公开',
  finance: '财务公开',
}

export const snapshotReasonLabels: Record<Schemas['SnapshotReason'], string> = {
  checkIn: '签到抓拍',
  meetingStart: '会议开始抓拍',
  meetingInterval: '会中定时抓拍',
}

export const periodLabels: Record<Schemas['CompliancePeriod'], string> = {
  week: '按周',
  month: '按月',
  quarter: '按季度',
}

/** Chinese text of API errors (ProblemDetails), by HTTP status. */
export const problemText = {
  network: '无法连接服务器，请检查网络后重试。',
  badRequest: '提交的内容有误，请检查后重试。',
  unauthorized: '登录已过期，请重新登录。',
  forbidden: '您没有权限执行此操作。',
  notFound: '记录不存在，或不在您的管理范围内。',
  conflict: '当前状态不允许此操作。',
  tooLarge: '文件过大。',
  unsupported: '文件格式不支持。',
  unprocessable: '数据无法处理，请检查后重试。',
  tooMany: '操作过于频繁，请稍后再试。',
  server: '服务器出错，请稍后再试。',
  unknown: (status: number) => `请求失败（状态码 ${status}）。`,
} as const

/** Known English details of the ControlPlane, shown in Chinese. */
export const problemDetails: Record<string, string> = {
  'Wrong user name or password.': '用户名或密码错误。',
  'Only the lecturer assigned to this lecture may teach in it.': '只有本场讲课指定的授课专家才能主讲。如需更换，请联系县级或镇(街道)管理员。',
  'This lecture has ended.': '本场讲课已结束。',
  'Only a lecture has a lecturer.': '只有“远程授课”类会议可以指定授课专家。',
  'Not an enabled expert lecturer account.': '所选账号不是已启用的授课专家账号。',
  'Lecturers are assigned by a county or town administrator.': '授课专家由县级或镇(街道)管理员指定。',
  'Only a held and ended meeting can be reviewed.': '只有已召开并已结束的会议才能审核。',
  'Meetings of your own site are reviewed by the level above.': '本级会议由上级审核。',
  'Town admins may only create village operators.': '镇(街道)管理员只能创建村级操作员账号。',
  'The site is outside your scope.': '该站点不在您的管理范围内。',
  'The current password is wrong.': '当前密码错误。',
  'At least 8 characters.': '至少8个字符。',
  'Wait a minute and try again.': '登录尝试次数过多，请一分钟后再试。',
}

/** Field names of validation errors, in Chinese. */
export const fieldLabels: Record<string, string> = {
  lecturerUserId: '授课专家',
  userName: '用户名',
  password: '密码',
  currentPassword: '当前密码',
  newPassword: '新密码',
  displayName: '姓名',
  role: '角色',
  siteId: '站点',
  kind: '类型',
  title: '标题',
  name: '名称',
  code: '编码',
  scheduledStart: '计划时间',
  comment: '审核意见',
  decision: '审核结果',
  month: '月份',
  category: '类别',
  file: '文件',
  phone: '电话',
  from: '开始时间',
  to: '结束时间',
}
